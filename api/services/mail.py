"""The mail outbox and the tokens that links in mails carry.

``enqueue`` adds a mail to the caller's transaction: the change and its mail commit (or vanish)
together; ``api.services.mail_delivery`` sends it. ``issue_token`` makes a single-use secret for
a link and stores only its SHA-256; ``take_token`` finds one by that hash (compared in constant
time after an indexed lookup, as API keys are) and tells an unknown, an expired and a used one
apart; ``use_token`` marks it used in the caller's transaction, once, also when two requests
race for it.
"""

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, func, select

from api.core.exceptions import InvalidToken
from api.core.identity import Principal
from api.core.paging import Paging
from api.services.common import paginate
from api.services.mail_delivery import note_enqueued
from api.services.mail_messages import Message
from schemas import MailDelivery, MailDeliveryPublic, MailKind, MailStatus, MailToken, TokenPurpose
from schemas.base import _as_utc
from schemas.columns import utc_now

ERASED_RECIPIENT = "(gewist)"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def enqueue(
    session: Session,
    *,
    kind: MailKind,
    recipient: str,
    message: Message,
    municipality_code: str | None,
    introduction_id: int | None = None,
    expires_at: datetime | None = None,
) -> MailDelivery:
    """One mail in the outbox, in the caller's transaction (not committed here)."""
    mail = MailDelivery(
        kind=kind,
        recipient=recipient,
        municipality_code=municipality_code,
        introduction_id=introduction_id,
        subject=message.subject[:250],
        body_text=message.text(),
        body_html=message.html(),
        expires_at=expires_at,
    )
    session.add(mail)
    note_enqueued(session)
    return mail


def issue_token(
    session: Session,
    *,
    purpose: TokenPurpose,
    expires_at: datetime,
    email: str | None = None,
    contact_id: int | None = None,
    introduction_id: int | None = None,
) -> str:
    """A new secret for a link (256 random bits); only its hash is stored."""
    token = secrets.token_urlsafe(32)
    session.add(
        MailToken(
            token_hash=token_hash(token),
            purpose=purpose,
            email=email,
            contact_id=contact_id,
            introduction_id=introduction_id,
            expires_at=expires_at,
        )
    )
    return token


def take_token(session: Session, token: str, purpose: TokenPurpose) -> MailToken:
    """The stored token for this secret and purpose; 400 (``InvalidToken``) saying whether it
    is unknown, expired or used. A token of another purpose is unknown here."""
    digest = token_hash(token)
    row = session.exec(select(MailToken).where(MailToken.token_hash == digest)).first()
    if row is None or row.purpose != purpose or not hmac.compare_digest(row.token_hash, digest):
        raise InvalidToken("unknown")
    if row.used_at is not None:
        raise InvalidToken("used")
    if _as_utc(row.expires_at) <= utc_now():
        raise InvalidToken("expired")
    return row


def use_token(session: Session, row: MailToken) -> None:
    """Mark it used in the caller's transaction; whoever comes second (a parallel request, a
    double click) gets "used". The row lock (PostgreSQL) or the write lock (SQLite) that this
    update takes holds until the caller commits."""
    result = session.execute(
        sa.update(MailToken)
        .where(MailToken.id == row.id, MailToken.used_at.is_(None))
        .values(used_at=utc_now())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise InvalidToken("used")


def list_deliveries(
    *,
    session: Session,
    principal: Principal,
    paging: Paging,
    status: MailStatus | None = None,
    kind: MailKind | None = None,
) -> tuple[list[MailDeliveryPublic], int]:
    """Newest first, without bodies. A municipal admin sees the mails of its municipalities;
    mails that belong to none (initiators' sign-ins) only a national admin."""
    query = select(MailDelivery)
    if principal.municipality_codes is not None:
        query = query.where(
            MailDelivery.municipality_code.in_(sorted(principal.municipality_codes))
        )
    if status is not None:
        query = query.where(MailDelivery.status == status)
    if kind is not None:
        query = query.where(MailDelivery.kind == kind)
    rows, total = paginate(session, query, paging, sa.desc(MailDelivery.id))
    return [MailDeliveryPublic.model_validate(row) for row in rows], total


def purge_old(session: Session, *, now: datetime, retention_days: int) -> int:
    """Retention (``wegwijs privacy purge``): settled mails written more than
    ``retention_days`` ago, and tokens expired that long ago, are deleted. Returns how many
    mails."""
    cutoff = now - timedelta(days=retention_days)
    mails = session.execute(
        sa.delete(MailDelivery).where(
            MailDelivery.status.in_((MailStatus.sent, MailStatus.failed)),
            MailDelivery.created_at < cutoff,
        )
    )
    session.execute(sa.delete(MailToken).where(MailToken.expires_at < cutoff))
    session.commit()
    return mails.rowcount


def forget_address(
    session: Session,
    emails: Sequence[str],
    *,
    contact_id: int | None = None,
    introduction_ids: Sequence[int] = (),
) -> None:
    """Erasure, in the caller's transaction: mails to these addresses lose their recipient,
    mails about these introductions (which may name the person) lose their text, unsent ones
    are not sent, and their links (a contact's answer links too) stop working."""
    addresses = sorted({email.lower() for email in emails if email})
    conditions = []
    if addresses:
        conditions.append(func.lower(MailDelivery.recipient).in_(addresses))
    if introduction_ids:
        conditions.append(MailDelivery.introduction_id.in_(sorted(set(introduction_ids))))
    if conditions:
        concerned = sa.or_(*conditions)
        session.execute(
            sa.update(MailDelivery)
            .where(concerned, MailDelivery.status == MailStatus.pending)
            .values(
                status=MailStatus.failed,
                next_attempt_at=None,
                last_error="Not sent: the personal data in it was erased.",
            )
            .execution_options(synchronize_session=False)
        )
        session.execute(
            sa.update(MailDelivery)
            .where(concerned)
            .values(body_text=None, body_html=None)
            .execution_options(synchronize_session=False)
        )
    if addresses:
        session.execute(
            sa.update(MailDelivery)
            .where(func.lower(MailDelivery.recipient).in_(addresses))
            .values(recipient=ERASED_RECIPIENT)
            .execution_options(synchronize_session=False)
        )
    tokens = []
    if addresses:
        tokens.append(func.lower(MailToken.email).in_(addresses))
    if contact_id is not None:
        tokens.append(MailToken.contact_id == contact_id)
    if tokens:
        session.execute(
            sa.update(MailToken)
            .where(sa.or_(*tokens), MailToken.used_at.is_(None))
            .values(used_at=utc_now())
            .execution_options(synchronize_session=False)
        )
