"""The record tables as in data/datapackage.json of 2026-12-03, history, change log, revision.

Revision ID: 0001
Revises:
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "change_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by_email", sa.Text(), nullable=False),
        sa.Column("table_name", sa.Text(), nullable=False),
        sa.Column("record_key", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_change_log_record", "change_log", ["table_name", "record_key"])
    op.create_index("ix_change_log_at", "change_log", ["at"])
    op.create_table(
        "revision",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.bulk_insert(
        sa.table("revision", sa.column("id"), sa.column("value")), [{"id": 1, "value": 0}]
    )
    op.create_table(
        "sources",
        sa.Column("source_id", sa.Text(), nullable=False),
        sa.Column("publisher", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("published", sa.Date(), nullable=True),
        sa.Column("accessed", sa.Date(), nullable=False),
        sa.Column("licence", sa.Text(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("source_id", name="pk_sources"),
    )
    op.create_table(
        "meetings",
        sa.Column("meeting_id", sa.Text(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("date_precision", sa.Text(), nullable=True),
        sa.Column("date_note", sa.Text(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("partner_iso3", sa.Text(), nullable=True),
        sa.Column("event_type", sa.Text(), nullable=True),
        sa.Column("event_type_detail", sa.Text(), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("pakistan_lead", sa.Text(), nullable=True),
        sa.Column("partner_lead", sa.Text(), nullable=True),
        sa.Column("location", sa.Text(), nullable=True),
        sa.Column("lead_scope", sa.Text(), nullable=True),
        sa.Column("lead_scope_detail", sa.Text(), nullable=True),
        sa.Column("outcomes", sa.Text(), nullable=True),
        sa.Column("source_id", sa.Text(), nullable=False),
        sa.Column("also_sources", sa.Text(), nullable=True),
        sa.Column("caveats", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_by", sa.Text(), nullable=True),
        sa.Column("withdrawn_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["source_id"], ["sources.source_id"], name="fk_meetings_source_id"),
        sa.PrimaryKeyConstraint("meeting_id", name="pk_meetings"),
    )
    op.create_table(
        "followups",
        sa.Column("action_id", sa.Text(), nullable=False),
        sa.Column("meeting_id", sa.Text(), nullable=False),
        sa.Column("iso3", sa.Text(), nullable=True),
        sa.Column("area_id", sa.Text(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("action_type", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), nullable=True),
        sa.Column("owner", sa.Text(), nullable=True),
        sa.Column("raised", sa.Date(), nullable=False),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("closed", sa.Date(), nullable=True),
        sa.Column("status_as_of", sa.Date(), nullable=False),
        sa.Column("status_source_id", sa.Text(), nullable=True),
        sa.Column("status_basis", sa.Text(), nullable=False),
        sa.Column("resolved_by_meeting_id", sa.Text(), nullable=True),
        sa.Column("source_id", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.meeting_id"], name="fk_followups_meeting_id"
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by_meeting_id"],
            ["meetings.meeting_id"],
            name="fk_followups_resolved_by_meeting_id",
        ),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.source_id"], name="fk_followups_source_id"
        ),
        sa.ForeignKeyConstraint(
            ["status_source_id"], ["sources.source_id"], name="fk_followups_status_source_id"
        ),
        sa.PrimaryKeyConstraint("action_id", name="pk_followups"),
    )
    op.create_table(
        "meeting_areas",
        sa.Column("meeting_id", sa.Text(), nullable=False),
        sa.Column("area_id", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.meeting_id"], name="fk_meeting_areas_meeting_id"
        ),
        sa.PrimaryKeyConstraint("meeting_id", "area_id", name="pk_meeting_areas"),
    )
    op.create_table(
        "meeting_sources",
        sa.Column("meeting_id", sa.Text(), nullable=False),
        sa.Column("source_id", sa.Text(), nullable=False),
        sa.Column("supports", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.meeting_id"], name="fk_meeting_sources_meeting_id"
        ),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.source_id"], name="fk_meeting_sources_source_id"
        ),
        sa.PrimaryKeyConstraint("meeting_id", "source_id", name="pk_meeting_sources"),
    )
    op.create_table(
        "followup_status_history",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("action_id", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("effective", sa.Date(), nullable=False),
        sa.Column("status_basis", sa.Text(), nullable=False),
        sa.Column("source_id", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["action_id"], ["followups.action_id"], name="fk_history_action"),
        sa.ForeignKeyConstraint(["source_id"], ["sources.source_id"], name="fk_history_source"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_history_action", "followup_status_history", ["action_id"])


def downgrade() -> None:
    op.drop_table("followup_status_history")
    op.drop_table("meeting_sources")
    op.drop_table("meeting_areas")
    op.drop_table("followups")
    op.drop_table("meetings")
    op.drop_table("sources")
    op.drop_table("revision")
    op.drop_table("change_log")
