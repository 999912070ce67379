"""The database tables, built from ``data/datapackage.json`` plus bookkeeping columns.

The five record tables take their columns, types, primary keys and (record-to-record) foreign
keys from the package descriptor, so the schema is written once. References to the curated
tables (countries, cooperation areas) stay in ``data/`` and are checked by the store's
validator, not by the database. The Alembic migrations are fixed snapshots of this shape;
tests/test_records_schema.py fails when the two drift apart (then write a migration).
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
)

from dashboard.datasets.loader import DEFAULT_DATA_DIR
from dashboard.datasets.package import PackageSpec, Resource, read_package_spec

# In foreign-key order: a table only references tables before it.
RECORD_TABLES = ("sources", "meetings", "meeting_areas", "meeting_sources", "followups")
# Bookkeeping columns added to the package's fields.
VERSIONED_TABLES = ("meetings", "followups")
WITHDRAWAL_COLUMNS = ("withdrawn_at", "withdrawn_by", "withdrawn_reason")

_TYPES = {
    "string": Text,
    "date": Date,
    "boolean": Boolean,
    "integer": Integer,
    "year": Integer,
    "number": Float,
}


def record_spec() -> PackageSpec:
    """The bundled package descriptor: the contract the database schema follows."""
    return read_package_spec(DEFAULT_DATA_DIR)


def _record_table(metadata: MetaData, res: Resource) -> Table:
    columns: list[Column] = [
        Column(f.name, _TYPES[f.type](), nullable=not (f.required or f.name in res.primary_key))
        for f in res.fields
    ]
    if res.name in VERSIONED_TABLES:
        columns.append(Column("version", Integer, nullable=False, server_default="1"))
    if res.name == "meetings":
        columns += [
            Column("withdrawn_at", DateTime(timezone=True)),
            Column("withdrawn_by", Text),
            Column("withdrawn_reason", Text),
        ]
    constraints = [PrimaryKeyConstraint(*res.primary_key, name=f"pk_{res.name}")]
    for fk in res.foreign_keys:
        target = fk.resource or res.name
        if target not in RECORD_TABLES:
            continue  # curated tables live in data/; the store's validator checks them
        constraints.append(
            ForeignKeyConstraint(
                list(fk.fields),
                [f"{target}.{col}" for col in fk.reference_fields],
                name=f"fk_{res.name}_{'_'.join(fk.fields)}",
            )
        )
    return Table(res.name, metadata, *columns, *constraints)


def build_metadata(spec: PackageSpec | None = None) -> MetaData:
    """All tables of the records database."""
    spec = spec or record_spec()
    metadata = MetaData()
    for name in RECORD_TABLES:
        _record_table(metadata, spec.resource(name))
    Table(
        "followup_status_history",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("action_id", Text, nullable=False),
        Column("status", Text, nullable=False),
        Column("effective", Date, nullable=False),
        Column("status_basis", Text, nullable=False),
        Column("source_id", Text),
        Column("note", Text),
        Column("recorded_by", Text, nullable=False),
        Column("recorded_at", DateTime(timezone=True), nullable=False),
        ForeignKeyConstraint(["action_id"], ["followups.action_id"], name="fk_history_action"),
        ForeignKeyConstraint(["source_id"], ["sources.source_id"], name="fk_history_source"),
        Index("ix_history_action", "action_id"),
    )
    Table(
        "change_log",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("at", DateTime(timezone=True), nullable=False),
        Column("by_email", Text, nullable=False),
        Column("table_name", Text, nullable=False),
        Column("record_key", Text, nullable=False),
        Column("action", Text, nullable=False),
        Column("before", JSON),
        Column("after", JSON),
        Index("ix_change_log_record", "table_name", "record_key"),
        Index("ix_change_log_at", "at"),
    )
    Table(
        "revision",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column("value", Integer, nullable=False),
        # Hash of the data/ files the records were last seeded from (see RecordsStore.upgrade).
        Column("seed_fingerprint", Text),
    )
    # Who gets the digest by email (dashboard/digest), for which countries and areas; a
    # removed subscription stays (its history and sends refer to it).
    Table(
        "subscriptions",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("email", Text, nullable=False),
        Column("countries", JSON, nullable=False),  # ISO3 codes; empty: every country
        Column("areas", JSON, nullable=False),  # cooperation area ids; empty: every area
        Column("frequency", Text, nullable=False),  # weekly | daily
        Column("always", Boolean, nullable=False),  # also send a digest with nothing new
        Column("version", Integer, nullable=False, server_default="1"),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("removed_at", DateTime(timezone=True)),
        Column("removed_by", Text),
        Index("ix_subscriptions_email", "email"),
    )
    # Each digest sent (or tried, or found empty) to a subscriber for a period: what makes a
    # second run send nothing twice and retry what failed.
    Table(
        "digest_sends",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("subscription_id", Integer, nullable=False),
        Column("email", Text, nullable=False),
        Column("period_start", DateTime(timezone=True), nullable=False),
        Column("period_end", DateTime(timezone=True), nullable=False),
        Column("status", Text, nullable=False),  # sending | sent | empty | failed
        Column("attempted_at", DateTime(timezone=True), nullable=False),
        Column("error", Text),
        Column("message_id", Text),
        ForeignKeyConstraint(
            ["subscription_id"], ["subscriptions.id"], name="fk_digest_sends_subscription"
        ),
        Index("ix_digest_sends_subscription", "subscription_id", "period_end"),
    )
    return metadata


METADATA = build_metadata()
