"""Column helpers shared by the tables.

Lists (themes, area codes, networks, needs, ``knows``) are JSON columns: JSONB on PostgreSQL,
JSON text on SQLite. They are always read and written whole with their row, so child tables
would only add joins; the few list filters go through ``api.services.common.list_contains``,
which speaks each dialect.
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

JsonList = sa.JSON().with_variant(JSONB(), "postgresql")


def json_list_column() -> sa.Column:
    return sa.Column(JsonList, nullable=False)


def utc_now() -> datetime:
    return datetime.now(UTC)


def timestamp_column(*, nullable: bool = False) -> sa.Column:
    return sa.Column(sa.DateTime(timezone=True), nullable=nullable)
