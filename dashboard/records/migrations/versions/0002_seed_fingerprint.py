"""Remember what data/ looked like when it last seeded the records (a later start with the
same files skips the seeding pass).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("revision") as batch:
        batch.add_column(sa.Column("seed_fingerprint", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("revision") as batch:
        batch.drop_column("seed_fingerprint")
