"""Outgoing mail: the outbox (``mail_delivery``) and the single-use tokens that links in mails
carry (``mail_token``).

A mail is written to the outbox in the same transaction as the change that causes it (as the
webhooks are) and delivered by a worker over SMTP (``api.services.mail_delivery``). Its bodies
are kept only until it is sent or given up on; the row itself (who, what kind, when, the
outcome) stays, and admins see it without the bodies.
"""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from pydantic import Field as PydanticField
from sqlmodel import Field, SQLModel

from schemas.base import ApiModel, UtcDateTime
from schemas.columns import timestamp_column, utc_now


class MailKind(StrEnum):
    sign_in = "sign_in"  # a link to sign in
    introduction_requested = "introduction_requested"  # to the contact, with the answer links
    introduction_reminder = "introduction_reminder"  # to the contact, once, when still open
    introduction_accepted = "introduction_accepted"  # to the initiator, with the details
    introduction_declined = "introduction_declined"  # to the initiator, with suggestions
    introduction_cancelled = "introduction_cancelled"  # to the contact
    digest = "digest"  # to a municipality's brokers, weekly


class MailStatus(StrEnum):
    pending = "pending"  # waiting for its first attempt or a retry
    sent = "sent"  # the SMTP server accepted it
    failed = "failed"  # refused for good (5xx), expired, or given up after retries


class MailDelivery(SQLModel, table=True):
    """One mail to one recipient: the outbox row, then its delivery log.

    ``municipality_code`` ties a mail to the municipality it is about (an introduction's
    initiative, a digest, a civil servant's own sign-in); null for a mail that belongs to no
    municipality (an initiator's or an unknown address's sign-in): only national admins see
    those. ``body_text`` and ``body_html`` are set to null once it is sent or failed.
    """

    __tablename__ = "mail_delivery"
    __table_args__ = (sa.Index("ix_mail_delivery_due", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(sa_type=sa.String(40))
    recipient: str = Field(max_length=254)
    municipality_code: str | None = Field(default=None, max_length=6, index=True)
    introduction_id: int | None = Field(default=None, index=True)
    subject: str = Field(max_length=250)
    body_text: str | None = Field(default=None, sa_type=sa.Text)
    body_html: str | None = Field(default=None, sa_type=sa.Text)
    status: str = Field(default=MailStatus.pending, sa_type=sa.String(20))
    attempts: int = 0
    next_attempt_at: datetime | None = Field(
        default_factory=utc_now, sa_column=timestamp_column(nullable=True)
    )
    # Past this moment the mail is no use any more (a sign-in link's 15 minutes): not sent.
    expires_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))
    claim_token: str | None = Field(default=None, max_length=36, index=True)
    claimed_until: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))
    last_attempt_at: datetime | None = Field(
        default=None, sa_column=timestamp_column(nullable=True)
    )
    last_error: str | None = Field(default=None, max_length=500)
    sent_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))
    created_at: datetime = Field(default_factory=utc_now, sa_column=timestamp_column())


class TokenPurpose(StrEnum):
    sign_in = "sign_in"
    introduction_response = "introduction_response"


class MailToken(SQLModel, table=True):
    """A secret a link in a mail carries: stored only as its SHA-256, used once, expiring.

    A sign-in token names the address it was sent to; an answer token one introduction and the
    contact it was sent to.
    """

    __tablename__ = "mail_token"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    purpose: str = Field(sa_type=sa.String(30))
    email: str | None = Field(default=None, max_length=254)
    contact_id: int | None = Field(default=None, index=True)
    introduction_id: int | None = Field(default=None, index=True)
    expires_at: datetime = Field(sa_column=timestamp_column())
    used_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))
    created_at: datetime = Field(default_factory=utc_now, sa_column=timestamp_column())


class MailDeliveryPublic(ApiModel):
    """A mail as admins see it: to whom, what kind, what happened; never its body."""

    id: int
    kind: MailKind
    recipient: str
    municipality_code: str | None = PydanticField(
        description="The municipality the mail is about; null for sign-in mails to "
        "initiators (shown to national admins only)."
    )
    introduction_id: int | None
    subject: str
    status: MailStatus
    attempts: int
    created_at: UtcDateTime
    last_attempt_at: UtcDateTime | None
    last_error: str | None = PydanticField(
        description="Why the last attempt failed, or why it was not sent."
    )
    next_attempt_at: UtcDateTime | None = PydanticField(description="null once settled.")
    sent_at: UtcDateTime | None
