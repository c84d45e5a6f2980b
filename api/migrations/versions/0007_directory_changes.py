"""directory changes: what each directory_version step changed, for incremental indexes

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 16:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "directory_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_code", sa.String(length=6), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("rebuild", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    # Read as "this municipality's changes after version v", pruned by version.
    op.create_index(
        "ix_directory_change_municipality_version",
        "directory_change",
        ["municipality_code", "version"],
    )


def downgrade() -> None:
    op.drop_index("ix_directory_change_municipality_version", table_name="directory_change")
    op.drop_table("directory_change")
