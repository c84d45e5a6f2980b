"""tenancy: API keys and webhook subscriptions name the municipalities they act for

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 18:30:00.000000

What existing rows become:

- **Broker keys** get the codes of every municipality in the database when this migration
  runs. Before it a broker key acted for every municipality there was, so it keeps doing
  everything it did; a municipality added later is not opened to it (a new tenant's data is
  never visible to an old key by accident). An admin gives it more with a new key.
- **Admin keys** (and ``WEGWIJS_ADMIN_TOKEN``, which is no row) get no codes: national admins,
  as before.
- **Contact and initiator keys** get no codes: they act for their contact's municipality and
  for their own initiatives, as before.
- **Webhook subscriptions** get the codes of every municipality there is, for the same reason
  as broker keys: they keep receiving what they received.

On a database without municipalities, broker keys and subscriptions get no codes: such a
broker key acts for nothing and such a subscription receives nothing and is seen by national
admins only, until an admin issues a new key or sets the subscription's municipalities.
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_LIST = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    for table in ("api_key", "webhook_subscription"):
        op.add_column(
            table,
            sa.Column(
                "municipality_codes", JSON_LIST, nullable=False, server_default=sa.text("'[]'")
            ),
        )
        # The default only fills existing rows; the application always writes the list.
        with op.batch_alter_table(table) as batch:
            batch.alter_column("municipality_codes", server_default=None)
    bind = op.get_bind()
    codes = json.dumps(
        bind.execute(sa.text("SELECT code FROM municipality ORDER BY code")).scalars().all()
    )
    cast = "CAST(:codes AS JSONB)" if bind.dialect.name == "postgresql" else ":codes"
    bind.execute(
        sa.text(f"UPDATE api_key SET municipality_codes = {cast} WHERE role = 'broker'"),  # noqa: S608 (no user input)
        {"codes": codes},
    )
    bind.execute(
        sa.text(f"UPDATE webhook_subscription SET municipality_codes = {cast}"),  # noqa: S608
        {"codes": codes},
    )


def downgrade() -> None:
    op.drop_column("webhook_subscription", "municipality_codes")
    op.drop_column("api_key", "municipality_codes")
