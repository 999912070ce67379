"""Meetings cite their other sources through meeting_sources (data audit): the free-text
`also_sources` column goes. Its URLs are source rows now, added by the next seeding pass.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("meetings") as batch:
        batch.drop_column("also_sources")


def downgrade() -> None:
    with op.batch_alter_table("meetings") as batch:
        batch.add_column(sa.Column("also_sources", sa.Text(), nullable=True))
