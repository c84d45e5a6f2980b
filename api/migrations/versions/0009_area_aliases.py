"""area aliases: the other names residents use for an area, recognised in a question's text

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 19:00:00.000000

Every existing area gets an empty list: its own name is still recognised, and so are the
shortened forms derived from it (matching/places.py).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("area") as batch:
        batch.add_column(
            sa.Column(
                "aliases",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=False,
                server_default="[]",
            )
        )
    # The default only filled the existing rows: new rows get their list from the app, as the
    # other list columns do.
    with op.batch_alter_table("area") as batch:
        batch.alter_column("aliases", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("area") as batch:
        batch.drop_column("aliases")
