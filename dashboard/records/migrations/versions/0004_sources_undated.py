"""A source says explicitly that it shows no publication date: `sources.undated`. Sources
recorded without a published date are marked undated, as the package's rule asks.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sources") as batch:
        batch.add_column(sa.Column("undated", sa.Boolean(), nullable=True))
    sources = sa.table("sources", sa.column("published", sa.Date()), sa.column("undated"))
    op.execute(sources.update().where(sources.c.published.is_(None)).values(undated=sa.true()))


def downgrade() -> None:
    with op.batch_alter_table("sources") as batch:
        batch.drop_column("undated")
