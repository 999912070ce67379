"""Alembic environment, run programmatically by ``database.run_migrations`` (no alembic.ini).

The caller passes an open connection in ``config.attributes["connection"]``, already inside
the one transaction of ``Schema.upgrade`` that also seeds the records: a schema change and its
seed commit together, and a failed migration leaves nothing behind (DDL is transactional on
PostgreSQL and on SQLite alike; Alembic opens no transaction of its own inside the caller's).
On SQLite the caller has turned foreign keys off for a batch migration's table copy and checks
them before it commits (``database.foreign_keys_off_to_migrate``).
"""

from __future__ import annotations

from alembic import context

from dashboard.records.models import METADATA

connection = context.config.attributes["connection"]
if not connection.in_transaction():
    raise RuntimeError("migrations run inside the caller's upgrade transaction (Schema.upgrade)")
context.configure(connection=connection, target_metadata=METADATA, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
