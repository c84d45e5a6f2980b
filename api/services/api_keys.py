import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from api.core.exceptions import Conflict, Forbidden, InvalidInput, NotFound
from api.core.identity import Principal, hash_token
from api.core.paging import Paging
from api.services import audit
from api.services.common import dedupe, paginate, within
from schemas import (
    ApiKey,
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyPublic,
    ApiKeyRotation,
    AuditAction,
    AuditObjectType,
    Contact,
    Role,
)
from schemas.api_key import MAX_KEY_LIFETIME_DAYS
from schemas.base import MAX_ID, _as_utc
from schemas.columns import utc_now

TOKEN_PREFIX = "wgw_"  # noqa: S105 - a visible prefix, not a secret


def create_api_key(
    *, session: Session, key_in: ApiKeyCreate, principal: Principal
) -> ApiKeyCreated:
    """A new key. Who may issue which (the caller is an admin):

    - a national admin: any key;
    - an admin for some municipalities: admin, broker and portal keys for (some of) those,
      and contact keys for their contacts; never a national admin key nor an initiator key
      (an initiator's own initiatives may lie anywhere).
    """
    subject = key_in.subject
    codes = dedupe(key_in.municipality_codes)
    if key_in.role is Role.contact:
        # ASCII digits within the id range only: "²" or 2**70 must be a 400, not a crash.
        contact = (
            session.get(Contact, int(subject))
            if subject and subject.isascii() and subject.isdigit() and 1 <= int(subject) <= MAX_ID
            else None
        )
        # Another municipality's contact is not revealed: the same 400 as an unknown one.
        if contact is None or not principal.acts_for(contact.municipality_code):
            raise InvalidInput.field(
                "subject", "A contact key needs the id of an existing contact."
            )
    elif key_in.role is Role.initiator:
        if not subject or "@" not in subject:
            raise InvalidInput.field("subject", "An initiator key needs the initiator's email.")
        if not principal.is_national:
            raise Forbidden(
                "Initiator keys act for initiatives anywhere: only a national admin issues them."
            )
        subject = subject.lower()
    if key_in.role in (Role.contact, Role.initiator):
        if codes:
            raise InvalidInput.field(
                "municipalityCodes",
                "Contact keys act for their contact's municipality and initiator keys for "
                "their own initiatives: leave this empty.",
            )
    elif not codes:
        if key_in.role is not Role.admin:
            raise InvalidInput.field(
                "municipalityCodes", f"A {key_in.role} key names at least one municipality."
            )
        if not principal.is_national:
            raise Forbidden("Only a national admin issues a national admin key.")
    for code in codes:
        principal.confine(code)
    _check_expiry(key_in.expires_at)
    return issue_key(
        session,
        role=key_in.role,
        subject=subject,
        municipality_codes=codes,
        expires_at=key_in.expires_at,
        issued_by=principal,
    )


def key_is_visible(session: Session, principal: Principal, key: ApiKey) -> bool:
    """A municipal admin sees and manages the keys that act only within its municipalities;
    a national admin every key."""
    if principal.is_national:
        return True
    role = Role(key.role)
    if role is Role.contact:
        contact = session.get(Contact, int(key.subject)) if (key.subject or "").isdigit() else None
        return contact is not None and principal.acts_for(contact.municipality_code)
    return bool(key.municipality_codes) and principal.acts_for_all(key.municipality_codes)


def _visible_key(session: Session, principal: Principal, key_id: int) -> ApiKey:
    key = session.get(ApiKey, key_id)
    if key is None or not key_is_visible(session, principal, key):
        raise NotFound(f"No API key with id {key_id}.")
    return key


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


def issue_key(
    session: Session,
    *,
    role: Role,
    subject: str | None,
    municipality_codes: list[str],
    expires_at: datetime | None,
    issued_by: Principal | None,
) -> ApiKeyCreated:
    """A new key, committed with its audit entry. ``issued_by`` is the caller; None for a
    sign-in, where the new key itself is the actor (as it is the one who signed in)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(
        key_hash=hash_token(token),
        role=role,
        subject=subject,
        municipality_codes=municipality_codes,
        expires_at=expires_at,
    )
    session.add(key)
    session.flush()  # its id, for the audit log
    actor = issued_by or Principal(role=role, key_id=key.id)
    audit.note(session, actor, AuditAction.create, AuditObjectType.api_key, [key.id])
    session.commit()
    return ApiKeyCreated(**ApiKeyPublic.model_validate(key).model_dump(), token=token)


def rotate_api_key(
    *, session: Session, key_id: int, rotation: ApiKeyRotation, principal: Principal
) -> ApiKeyCreated:
    """A new key with the same role, subject and municipalities; the old one stops now or
    after the grace period (never later than it would have anyway)."""
    key = _visible_key(session, principal, key_id)
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
    audit.note(session, principal, AuditAction.update, AuditObjectType.api_key, [key.id])
    return issue_key(
        session,
        role=Role(key.role),
        subject=key.subject,
        municipality_codes=list(key.municipality_codes),
        expires_at=expires_at,
        issued_by=principal,
    )


def visible_keys(session: Session, principal: Principal) -> sa.ColumnElement[bool] | None:
    """The condition for the keys ``key_is_visible`` lets through, for queries; None: all."""
    if principal.is_national:
        return None
    codes = sorted(principal.municipality_codes or ())
    contacts = select(sa.cast(Contact.id, sa.String)).where(Contact.municipality_code.in_(codes))
    return sa.or_(
        sa.and_(ApiKey.role == Role.contact, ApiKey.subject.in_(contacts)),
        sa.and_(
            ApiKey.role.in_([Role.admin, Role.broker, Role.portal]),
            within(session, ApiKey.municipality_codes, codes),
        ),
    )


def list_api_keys(
    *, session: Session, paging: Paging, principal: Principal
) -> tuple[Sequence[ApiKey], int]:
    query = select(ApiKey)
    condition = visible_keys(session, principal)
    if condition is not None:
        query = query.where(condition)
    return paginate(session, query, paging, ApiKey.id)


def revoke_api_key(*, session: Session, key_id: int, principal: Principal) -> None:
    key = _visible_key(session, principal, key_id)
    if key.revoked_at is None:
        key.revoked_at = utc_now()
        session.add(key)
    audit.note(session, principal, AuditAction.delete, AuditObjectType.api_key, [key.id])
    session.commit()
