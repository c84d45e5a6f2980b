"""Verified API keys, remembered per process for a few seconds (``key_cache_seconds``): a
portal asking many matches a minute pays the key's lookup once per interval, not per call.

Only keys whose caller is fully described by the key's own row are remembered (admin,
broker, portal keys: role and municipality codes); a contact's or initiator's key is looked
up every time, as what it acts for follows other rows. A key revoked, rotated, expired or
changed in this process is forgotten at once (any write to an ``api_key`` row empties the
cache); in other worker processes within ``key_cache_seconds`` (see SECURITY.md)."""

import time
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from schemas import ApiKey
from schemas.base import _as_utc
from schemas.columns import utc_now

# More distinct keys than this within the interval: start afresh rather than grow.
MAX_KEYS = 10_000

_verified: dict[str, tuple[Any, float]] = {}


def cached(digest: str) -> Any | None:
    """What was verified for this token digest, while it may still be trusted."""
    entry = _verified.get(digest)
    if entry is None:
        return None
    if entry[1] <= time.monotonic():
        _verified.pop(digest, None)
        return None
    return entry[0]


def remember(digest: str, principal: Any, *, seconds: float, expires_at: datetime | None) -> None:
    if seconds <= 0:
        return
    if expires_at is not None:  # never past the key's own end
        seconds = min(seconds, (_as_utc(expires_at) - utc_now()).total_seconds())
    if len(_verified) >= MAX_KEYS:
        _verified.clear()
    _verified[digest] = (principal, time.monotonic() + seconds)


def forget_all() -> None:
    _verified.clear()


@sa.event.listens_for(ApiKey, "after_update")
@sa.event.listens_for(ApiKey, "after_delete")
def _key_changed(*_args: Any) -> None:
    forget_all()
