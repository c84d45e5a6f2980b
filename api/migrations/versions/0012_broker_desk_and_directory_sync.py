"""the broker's desk and directory sync: match overrides, private notes, an official answer,
an initiative history; external ids and withdrawal for units and contacts

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 20:30:00.000000

Existing units and contacts get no external id (a first sync finds them by email, units by
name, and gives them the feed's) and are not withdrawn; existing initiatives have no answer.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOT_NULL_EXTERNAL_ID = sa.text("external_id IS NOT NULL")
STANDING = sa.text("ended_at IS NULL")


def upgrade() -> None:
    for table in ("unit", "contact"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("external_id", sa.String(length=100), nullable=True))
            batch.add_column(sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True))
        op.create_index(
            f"ux_{table}_municipality_external_id",
            table,
            ["municipality_code", "external_id"],
            unique=True,
            sqlite_where=NOT_NULL_EXTERNAL_ID,
            postgresql_where=NOT_NULL_EXTERNAL_ID,
        )
    with op.batch_alter_table("initiative") as batch:
        batch.add_column(sa.Column("response_status", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("response_text", sa.Text(), nullable=True))
        batch.add_column(
            sa.Column("response_answered_at", sa.DateTime(timezone=True), nullable=True)
        )

    op.create_table(
        "match_override",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("initiative_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_by_role", sa.String(length=20), nullable=False),
        sa.Column("created_by_key_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_by_key_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["contact_id"], ["contact.id"]),
        sa.ForeignKeyConstraint(["initiative_id"], ["initiative.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_match_override_initiative_id"), "match_override", ["initiative_id"])
    op.create_index(op.f("ix_match_override_contact_id"), "match_override", ["contact_id"])
    # One standing override per contact and initiative; ended ones stay as history.
    op.create_index(
        "ux_match_override_active",
        "match_override",
        ["initiative_id", "contact_id"],
        unique=True,
        sqlite_where=STANDING,
        postgresql_where=STANDING,
    )

    op.create_table(
        "initiative_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("initiative_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author_role", sa.String(length=20), nullable=False),
        sa.Column("author_key_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["initiative_id"], ["initiative.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_initiative_note_initiative_id"), "initiative_note", ["initiative_id"])

    op.create_table(
        "initiative_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("initiative_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("actor_role", sa.String(length=20), nullable=False),
        sa.Column("actor_key_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("override_id", sa.Integer(), nullable=True),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=10), nullable=True),
        sa.Column("response_status", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(["initiative_id"], ["initiative.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_initiative_event_initiative_id"), "initiative_event", ["initiative_id"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_initiative_event_initiative_id"), table_name="initiative_event")
    op.drop_table("initiative_event")
    op.drop_index(op.f("ix_initiative_note_initiative_id"), table_name="initiative_note")
    op.drop_table("initiative_note")
    op.drop_index("ux_match_override_active", table_name="match_override")
    op.drop_index(op.f("ix_match_override_contact_id"), table_name="match_override")
    op.drop_index(op.f("ix_match_override_initiative_id"), table_name="match_override")
    op.drop_table("match_override")
    with op.batch_alter_table("initiative") as batch:
        batch.drop_column("response_answered_at")
        batch.drop_column("response_text")
        batch.drop_column("response_status")
    for table in ("contact", "unit"):
        op.drop_index(f"ux_{table}_municipality_external_id", table_name=table)
        with op.batch_alter_table(table) as batch:
            batch.drop_column("withdrawn_at")
            batch.drop_column("external_id")
