"""area levels: stadsdeel, wijk and buurt instead of district and neighbourhood

Until now a wijk and a buurt were both "neighbourhood", so a client could not tell them
apart; the stadsdeel was "district". The levels get CBS's names. Existing rows are mapped by
the hierarchy: a district is a stadsdeel; a neighbourhood whose parent is a neighbourhood
(a wijk) is a buurt; every other neighbourhood (under a district, under an area of kind
"other", or without a parent) is a wijk, the level just below the stadsdeel or the
municipality. Data only: ``area.kind`` is a string column either way.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 18:30:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Buurten first, while their wijken still read "neighbourhood". "buurt" is in the list too
    # so the statement is right whether or not a database applies it row by row.
    op.execute(
        """
        UPDATE area SET kind = 'buurt'
        WHERE kind = 'neighbourhood'
          AND parent_code IN (
            SELECT code FROM area WHERE kind IN ('neighbourhood', 'wijk', 'buurt')
          )
        """
    )
    op.execute("UPDATE area SET kind = 'wijk' WHERE kind = 'neighbourhood'")
    op.execute("UPDATE area SET kind = 'stadsdeel' WHERE kind = 'district'")


def downgrade() -> None:
    op.execute("UPDATE area SET kind = 'neighbourhood' WHERE kind IN ('wijk', 'buurt')")
    op.execute("UPDATE area SET kind = 'district' WHERE kind = 'stadsdeel'")
