"""Webhooks: portals subscribe a URL and receive signed events when introductions change and
when an initiative's official answer changes.

Every status change of an introduction, and every change of an initiative's answer, writes
one ``webhook_delivery`` row per active subscription in the same transaction as the change
(an outbox), and a background worker POSTs them with retries. Events carry ids and statuses
only, never a person's data.
"""

from datetime import datetime
from enum import StrEnum
from typing import Annotated
from urllib.parse import urlsplit

import sqlalchemy as sa
from pydantic import AfterValidator, StringConstraints
from pydantic import Field as PydanticField
from sqlmodel import Field, SQLModel

from schemas.base import (
    URL,
    ApiModel,
    InputModel,
    MunicipalityCode,
    ShortText,
    UpdateModel,
    UtcDateTime,
)
from schemas.columns import json_list_column, timestamp_column, utc_now
from schemas.introduction import IntroductionStatus
from schemas.response import ResponseStatus

MAX_WEBHOOK_URL = 500


class WebhookEventType(StrEnum):
    introduction_status_changed = "introduction.status_changed"
    initiative_response_changed = "initiative.response_changed"


class DeliveryStatus(StrEnum):
    pending = "pending"  # waiting for its first attempt or a retry
    delivered = "delivered"  # the receiver answered 2xx
    failed = "failed"  # every attempt failed; no more retries


class WebhookSubscription(SQLModel, table=True):
    __tablename__ = "webhook_subscription"

    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(max_length=MAX_WEBHOOK_URL)
    description: str = Field(default="", max_length=200)
    active: bool = True
    # The municipalities whose events it receives (at least one).
    municipality_codes: list[str] = Field(default_factory=list, sa_column=json_list_column())
    # Empty lists mean "every event type" and "every status".
    events: list[str] = Field(default_factory=list, sa_column=json_list_column())
    statuses: list[str] = Field(default_factory=list, sa_column=json_list_column())
    # The HMAC key. Signing needs the secret itself, so it is stored as is (unlike API keys,
    # which are only compared and so stored as hashes); it is shown once, on creation.
    secret: str = Field(max_length=100)
    created_at: datetime = Field(default_factory=utc_now, sa_column=timestamp_column())
    updated_at: datetime = Field(default_factory=utc_now, sa_column=timestamp_column())


class WebhookDelivery(SQLModel, table=True):
    """One event for one subscription: the outbox row, then its delivery log.

    ``payload`` is the exact JSON body sent (and signed) on every attempt. A worker claims a
    due row by setting ``claim_token`` and ``claimed_until``; a claim that outlives its lease
    (the worker died mid-delivery) is free again, so nothing is lost.
    """

    __tablename__ = "webhook_delivery"
    __table_args__ = (sa.Index("ix_webhook_delivery_due", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    subscription_id: int = Field(foreign_key="webhook_subscription.id", index=True)
    event_id: str = Field(max_length=36, index=True)
    event_type: str = Field(max_length=60)
    payload: str = Field(sa_type=sa.Text)
    status: str = Field(default=DeliveryStatus.pending, sa_type=sa.String(20))
    attempts: int = 0
    next_attempt_at: datetime | None = Field(
        default_factory=utc_now, sa_column=timestamp_column(nullable=True)
    )
    claim_token: str | None = Field(default=None, max_length=36, index=True)
    claimed_until: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))
    last_attempt_at: datetime | None = Field(
        default=None, sa_column=timestamp_column(nullable=True)
    )
    last_status_code: int | None = None
    last_error: str | None = Field(default=None, max_length=500)
    delivered_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))
    created_at: datetime = Field(default_factory=utc_now, sa_column=timestamp_column())


def _check_webhook_url(value: str) -> str:
    """An absolute http(s) URL with a host, without credentials or a fragment."""
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"Not a valid URL: {exc}.") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise ValueError("Must be an http(s) URL.")
    if not parts.hostname:
        raise ValueError("Must name a host.")
    if parts.username is not None or parts.password is not None:
        raise ValueError("Must not contain a user name or password; the signature is the proof.")
    if parts.fragment or value.endswith("#"):
        raise ValueError("Must not have a fragment (#…).")
    if port == 0:
        raise ValueError("Port 0 cannot be called.")
    return value


WebhookUrl = Annotated[
    str,
    StringConstraints(max_length=MAX_WEBHOOK_URL, pattern=URL),
    AfterValidator(_check_webhook_url),
]
EventTypeList = Annotated[list[WebhookEventType], PydanticField(max_length=10)]
MunicipalityList = Annotated[list[MunicipalityCode], PydanticField(max_length=400)]
StatusList = Annotated[list[IntroductionStatus], PydanticField(max_length=10)]


class WebhookBase(ApiModel):
    url: WebhookUrl = PydanticField(description="Where events are POSTed (http or https).")
    description: ShortText = ""
    active: bool = PydanticField(
        default=True, description="Inactive subscriptions get no new events; pending ones wait."
    )
    events: EventTypeList = PydanticField(
        default=[], description="Event types to receive; empty means every type."
    )
    statuses: StatusList = PydanticField(
        default=[],
        description="Only introduction status changes to these statuses; empty means every "
        "status change. Other event types are not narrowed by it.",
    )


class WebhookCreate(WebhookBase, InputModel):
    municipality_codes: MunicipalityList | None = PydanticField(
        default=None,
        description="The municipalities whose events it receives; by default all the key's "
        "own (a national admin names them).",
    )


class WebhookUpdate(UpdateModel):
    url: WebhookUrl | None = None
    municipality_codes: MunicipalityList | None = None
    description: ShortText | None = None
    active: bool | None = None
    events: EventTypeList | None = None
    statuses: StatusList | None = None


class WebhookPublic(WebhookBase):
    id: int
    municipality_codes: list[str] = PydanticField(
        description="The municipalities whose events it receives."
    )
    created_at: UtcDateTime
    updated_at: UtcDateTime
    pending_deliveries: int = PydanticField(description="Deliveries waiting for an attempt.")
    failed_deliveries: int = PydanticField(description="Deliveries that gave up after retries.")


class WebhookCreated(WebhookPublic):
    secret: str = PydanticField(
        description="The key for verifying signatures; shown once, never again."
    )


class IntroductionStatusChangedData(ApiModel):
    introduction_id: int
    initiative_id: int
    contact_id: int
    status: IntroductionStatus
    previous_status: IntroductionStatus | None = PydanticField(
        description="null when the introduction was just requested."
    )


class InitiativeResponseChangedData(ApiModel):
    """The official answer to an initiative changed: its status, never its text."""

    initiative_id: int
    status: ResponseStatus
    previous_status: ResponseStatus | None = PydanticField(
        description="null when the initiative had no answer yet."
    )


class WebhookEvent(ApiModel):
    """The JSON body POSTed to a subscription (ids and statuses only, no personal data)."""

    id: str = PydanticField(description="Unique per event; also the Webhook-Id header.")
    type: WebhookEventType
    occurred_at: UtcDateTime
    data: IntroductionStatusChangedData | InitiativeResponseChangedData = PydanticField(
        description="introduction.status_changed: the introduction's; "
        "initiative.response_changed: the initiative's answer status."
    )


class WebhookDeliveryPublic(ApiModel):
    id: int
    event_id: str
    event_type: WebhookEventType
    status: DeliveryStatus
    attempts: int
    created_at: UtcDateTime
    last_attempt_at: UtcDateTime | None
    last_status_code: int | None = PydanticField(description="The receiver's last HTTP status.")
    last_error: str | None = PydanticField(description="Why the last attempt failed.")
    next_attempt_at: UtcDateTime | None = PydanticField(description="null once settled.")
    delivered_at: UtcDateTime | None
    event: WebhookEvent
