"""Entity tags and ``If-Match``: no lost updates between two editors of one record.

The tag is a strong ETag (RFC 9110 §8.8.3): a hash of the row's table and every stored column
value, so it changes with every change of the record, even two within one timestamp tick, and
needs no version column. GET, PATCH and POST (201) of a single resource send it; a PATCH or
DELETE with ``If-Match`` is refused with 412 unless one of the listed tags (or ``*``) matches
the record as stored now. Requests without ``If-Match`` work as before.

The check lives in one place, :func:`check_if_match`, called by the lookup dependencies in
``api.http.deps`` once they found the record.
"""

import hashlib
import json
import re
from datetime import UTC, datetime
from enum import Enum
from typing import Any

import sqlalchemy as sa
from fastapi import Request, Response
from sqlalchemy.orm import object_session

from api.core.exceptions import InvalidInput, PreconditionFailed

CONDITIONAL_METHODS = frozenset({"PATCH", "DELETE", "PUT"})
# An entity-tag (RFC 9110 §8.8.3): optional weakness prefix, then a quoted opaque string.
_ENTITY_TAG = re.compile(r'\s*(W/)?"([\x21\x23-\x7e\x80-\xff]*)"\s*')


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is None:  # SQLite hands back naive UTC
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def etag_of(row: Any) -> str:
    """The strong ETag of a stored row, quoted: ``"<32 hex>"``."""
    mapper = sa.inspect(row).mapper
    values = {column.key: _plain(getattr(row, column.key)) for column in mapper.column_attrs}
    document = json.dumps(
        [mapper.local_table.name, values], sort_keys=True, default=str, separators=(",", ":")
    )
    return '"' + hashlib.sha256(document.encode()).hexdigest()[:32] + '"'


def set_etag(response: Response, row: Any, *, reload: bool = False) -> None:
    """Send the row's ETag. After a write, ``reload`` reads the row back first, so the tag is
    the stored values' (what the next GET computes), not the in-memory ones'."""
    if reload:
        session = object_session(row)
        if session is not None:
            session.refresh(row)
    response.headers["ETag"] = etag_of(row)


def parse_if_match(value: str) -> list[str] | None:
    """``*`` → None; otherwise the listed entity tags (with their quotes and ``W/``)."""
    if value.strip() == "*":
        return None
    tags: list[str] = []
    for part in value.split(","):
        match = _ENTITY_TAG.fullmatch(part)
        if match is None:
            raise InvalidInput.field(
                "If-Match", 'Must be "*" or a list of quoted entity tags, like "3f2a…".'
            )
        tags.append(part.strip())
    return tags


def check_if_match(request: Request, row: Any) -> None:
    """412 when a write's ``If-Match`` names no current version of ``row`` (strong
    comparison: weak tags never match). Without the header, or on reads, nothing happens."""
    if request.method not in CONDITIONAL_METHODS:
        return
    header = request.headers.get("if-match")
    if header is None:
        return
    tags = parse_if_match(header)
    if tags is None:  # "*": any current version; the row exists
        return
    if etag_of(row) not in tags:
        raise PreconditionFailed(
            "The record changed since you read it (If-Match does not match its ETag); "
            "GET it again, reapply your change and retry."
        )
