"""Alembic environment, run programmatically by dashboard.records.migrate (no alembic.ini).

The caller passes an open connection in ``config.attributes["connection"]``, already inside
the transaction that also seeds the records, so a schema change and its seed commit together.
"""

from __future__ import annotations

from alembic import context

from dashboard.records.models import METADATA

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=METADATA, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
