"""Signing in by e-mail: a single-use link to an address, exchanged for an API key.

``request_sign_in_link`` does the same work for every address, known or not: one lookup of the
directory, one token, one mail in the outbox, one commit. The answer is the same, and so is
its time, give or take; only the mail's owner learns anything (from the link). Whoever opens
the link gets a key: a contact key when the address is a civil servant's in the directory (so
they can keep their own profile, consent included), otherwise an initiator key for the address
(so a resident can register an initiative). Keys from a sign-in expire after
``WEGWIJS_SIGN_IN_KEY_DAYS``.
"""

from datetime import timedelta

from sqlmodel import Session, func, select

from api.core.settings import Settings
from api.services import mail, mail_messages
from api.services.api_keys import issue_key
from schemas import (
    Contact,
    MailKind,
    Role,
    SessionCreate,
    SessionCreated,
    SignInLinkAccepted,
    SignInLinkCreate,
    TokenPurpose,
)
from schemas.columns import utc_now


def _directory_contact(session: Session, email: str) -> Contact | None:
    """The civil servant with this address (the first, should two records share it)."""
    return session.exec(
        select(Contact)
        .where(func.lower(Contact.email) == email, Contact.erased_at.is_(None))
        .order_by(Contact.id)
        .limit(1)
    ).first()


def request_sign_in_link(
    *, session: Session, link_in: SignInLinkCreate, settings: Settings
) -> SignInLinkAccepted:
    email = link_in.email.lower()
    contact = _directory_contact(session, email)
    expires_at = utc_now() + timedelta(minutes=settings.sign_in_link_minutes)
    token = mail.issue_token(
        session, purpose=TokenPurpose.sign_in, expires_at=expires_at, email=email
    )
    mail.enqueue(
        session,
        kind=MailKind.sign_in,
        recipient=link_in.email,
        message=mail_messages.sign_in(
            # In the fragment: it never reaches a server log or a Referer.
            url=f"{settings.public_url}/inloggen#{token}",
            minutes=settings.sign_in_link_minutes,
        ),
        # A civil servant's sign-in belongs to their municipality; anyone else's to none.
        municipality_code=contact.municipality_code if contact else None,
        expires_at=expires_at,
    )
    session.commit()
    return SignInLinkAccepted(expires_in_minutes=settings.sign_in_link_minutes)


def create_session(
    *, session: Session, session_in: SessionCreate, settings: Settings
) -> SessionCreated:
    """The key for a sign-in link, once. A used, expired or unknown token is a 400 saying
    which, and nothing changes."""
    row = mail.take_token(session, session_in.token, TokenPurpose.sign_in)
    mail.use_token(session, row)
    email = row.email or ""
    contact = _directory_contact(session, email)
    expires_at = utc_now() + timedelta(days=settings.sign_in_key_days)
    if contact is not None:
        role, subject = Role.contact, str(contact.id)
    else:
        role, subject = Role.initiator, email
    created = issue_key(
        session,
        role=role,
        subject=subject,
        municipality_codes=[],
        expires_at=expires_at,
        issued_by=None,  # the new key signed in: it is the audit entry's actor
    )  # commits the key, its audit entry and the token's use together
    return SessionCreated(
        token=created.token,
        role=role,
        expires_at=expires_at,
        email=email,
        contact_id=contact.id if contact else None,
        key_id=created.id,
    )
