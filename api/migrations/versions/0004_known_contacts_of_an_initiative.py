"""known contacts of an initiative

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 12:34:59.378221
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "initiative",
        sa.Column(
            "known_contact_ids",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
            server_default=sa.text("'[]'"),
        ),
    )
    # The default only fills existing rows; new rows always carry the list, as elsewhere.
    with op.batch_alter_table("initiative") as batch:
        batch.alter_column("known_contact_ids", server_default=None)


def downgrade() -> None:
    op.drop_column("initiative", "known_contact_ids")
