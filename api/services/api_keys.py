import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlmodel import Session, select

from api.deps import Paging, hash_token
from api.errors import Conflict, InvalidInput, NotFound
from api.services.common import paginate
from schemas import (
    ApiKey,
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyPublic,
    ApiKeyRotation,
    Contact,
    Role,
)
from schemas.api_key import MAX_KEY_LIFETIME_DAYS
from schemas.base import MAX_ID, _as_utc
from schemas.columns import utc_now

TOKEN_PREFIX = "wgw_"  # noqa: S105 - a visible prefix, not a secret


def create_api_key(*, session: Session, key_in: ApiKeyCreate) -> ApiKeyCreated:
    subject = key_in.subject
    if key_in.role is Role.contact:
        # ASCII digits within the id range only: "²" or 2**70 must be a 400, not a crash.
        if (
            not subject
            or not (subject.isascii() and subject.isdigit())
            or not 1 <= int(subject) <= MAX_ID
            or session.get(Contact, int(subject)) is None
        ):
            raise InvalidInput.field(
                "subject", "A contact key needs the id of an existing contact."
            )
    elif key_in.role is Role.initiator:
        if not subject or "@" not in subject:
            raise InvalidInput.field("subject", "An initiator key needs the initiator's email.")
        subject = subject.lower()
    _check_expiry(key_in.expires_at)
    return _issue(session, role=key_in.role, subject=subject, expires_at=key_in.expires_at)


def _check_expiry(expires_at: datetime | None) -> None:
    if expires_at is None:
        return
    now = utc_now()
    if expires_at <= now:
        raise InvalidInput.field("expiresAt", "Must be in the future.")
    if expires_at > now + timedelta(days=MAX_KEY_LIFETIME_DAYS):
        raise InvalidInput.field(
            "expiresAt", f"A key may live at most {MAX_KEY_LIFETIME_DAYS} days."
        )


def _issue(
    session: Session, *, role: Role, subject: str | None, expires_at: datetime | None
) -> ApiKeyCreated:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(key_hash=hash_token(token), role=role, subject=subject, expires_at=expires_at)
    session.add(key)
    session.commit()
    return ApiKeyCreated(**ApiKeyPublic.model_validate(key).model_dump(), token=token)


def rotate_api_key(*, session: Session, key_id: int, rotation: ApiKeyRotation) -> ApiKeyCreated:
    """A new key with the same role and subject; the old one stops now or after the grace
    period (never later than it would have anyway)."""
    key = session.get(ApiKey, key_id)
    if key is None:
        raise NotFound(f"No API key with id {key_id}.")
    now = utc_now()
    old_expiry = _as_utc(key.expires_at) if key.expires_at is not None else None
    if key.revoked_at is not None or (old_expiry is not None and old_expiry <= now):
        raise Conflict("A revoked or expired key cannot be rotated; issue a new one.")
    expires_at = rotation.expires_at
    if expires_at is None and old_expiry is not None:
        lifetime = old_expiry - _as_utc(key.created_at)
        expires_at = now + min(lifetime, timedelta(days=MAX_KEY_LIFETIME_DAYS))
    _check_expiry(expires_at)
    if rotation.grace_seconds == 0:
        key.revoked_at = now
    else:
        until = now + timedelta(seconds=rotation.grace_seconds)
        key.expires_at = min(until, old_expiry) if old_expiry is not None else until
    session.add(key)
    return _issue(session, role=Role(key.role), subject=key.subject, expires_at=expires_at)


def list_api_keys(*, session: Session, paging: Paging) -> tuple[Sequence[ApiKey], int]:
    return paginate(session, select(ApiKey), paging, ApiKey.id)


def revoke_api_key(*, session: Session, key_id: int) -> None:
    key = session.get(ApiKey, key_id)
    if key is None:
        raise NotFound(f"No API key with id {key_id}.")
    if key.revoked_at is None:
        key.revoked_at = utc_now()
        session.add(key)
        session.commit()
