"""privacy and key lifecycle: erasure marks, initiative closing, key expiry, the audit log

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 14:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("api_key", sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("contact", sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("initiative", sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        "initiative",
        sa.Column("initiator_erased_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_role", sa.String(length=20), nullable=False),
        sa.Column("actor_key_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("object_type", sa.String(length=20), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_audit_entry_actor_key_id"), "audit_entry", ["actor_key_id"], unique=False
    )
    op.create_index(
        "ix_audit_entry_object", "audit_entry", ["object_type", "object_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_audit_entry_object", table_name="audit_entry")
    op.drop_index(op.f("ix_audit_entry_actor_key_id"), table_name="audit_entry")
    op.drop_table("audit_entry")
    op.drop_column("initiative", "initiator_erased_at")
    op.drop_column("initiative", "closed_at")
    op.drop_column("contact", "erased_at")
    op.drop_column("api_key", "expires_at")
