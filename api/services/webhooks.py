"""Webhook subscriptions, the outbox of events for them, and their delivery log.

Delivering the outbox is ``api.services.webhook_delivery``; this module decides what goes in.
"""

import base64
import secrets
import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from sqlmodel import Session, func, select

from api.core.exceptions import InvalidInput
from api.core.identity import Principal
from api.core.outbound import check_target
from api.core.paging import Paging
from api.services.common import apply_changes, dedupe, list_contains, paginate, within
from api.services.webhook_delivery import SECRET_PREFIX
from schemas import (
    DeliveryStatus,
    Initiative,
    Introduction,
    WebhookCreate,
    WebhookCreated,
    WebhookDelivery,
    WebhookDeliveryPublic,
    WebhookEvent,
    WebhookEventType,
    WebhookPublic,
    WebhookSubscription,
    WebhookUpdate,
)
from schemas.columns import utc_now


def _counts(session: Session, subscription_ids: Sequence[int]) -> dict[tuple[int, str], int]:
    """Pending and failed deliveries per subscription, in one query."""
    if not subscription_ids:
        return {}
    rows = session.exec(
        select(WebhookDelivery.subscription_id, WebhookDelivery.status, func.count())
        .where(
            WebhookDelivery.subscription_id.in_(subscription_ids),
            WebhookDelivery.status.in_((DeliveryStatus.pending, DeliveryStatus.failed)),
        )
        .group_by(WebhookDelivery.subscription_id, WebhookDelivery.status)
    ).all()
    return {(subscription_id, status): count for subscription_id, status, count in rows}


def _public(subscription: WebhookSubscription, counts: dict[tuple[int, str], int]) -> WebhookPublic:
    return WebhookPublic.model_validate(
        {
            **subscription.model_dump(exclude={"secret"}),
            "pending_deliveries": counts.get((subscription.id, DeliveryStatus.pending), 0),
            "failed_deliveries": counts.get((subscription.id, DeliveryStatus.failed), 0),
        }
    )


def present(session: Session, subscription: WebhookSubscription) -> WebhookPublic:
    return _public(subscription, _counts(session, [subscription.id]))


def _municipalities(principal: Principal, codes: list[str] | None) -> list[str]:
    """The municipalities a subscription of this caller belongs to: those named (all of which
    the caller must act for: 403 otherwise), or the caller's own."""
    if codes is None:
        if principal.municipality_codes is None:
            raise InvalidInput.field(
                "municipalityCodes", "Name the municipalities whose events it receives."
            )
        return sorted(principal.municipality_codes)
    if not codes:
        raise InvalidInput.field("municipalityCodes", "Name at least one municipality.")
    for code in codes:
        principal.confine(code)
    return dedupe(codes)


def create_webhook(
    *, session: Session, webhook_in: WebhookCreate, principal: Principal, allow_private: bool
) -> WebhookCreated:
    data = webhook_in.model_dump()
    data["municipality_codes"] = _municipalities(principal, data["municipality_codes"])
    check_target(data["url"], allow_private=allow_private, field="url")
    data["events"] = dedupe(data["events"])
    data["statuses"] = dedupe(data["statuses"])
    # Standard Webhooks: whsec_ and the base64 of the key (api/services/webhook_delivery.py).
    secret = SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()
    subscription = WebhookSubscription.model_validate({**data, "secret": secret})
    session.add(subscription)
    session.commit()
    return WebhookCreated(**present(session, subscription).model_dump(), secret=secret)


def list_webhooks(
    *, session: Session, paging: Paging, principal: Principal
) -> tuple[list[WebhookPublic], int]:
    query = select(WebhookSubscription)
    if not principal.is_national:
        # Those whose municipalities are all the caller's.
        query = query.where(
            within(session, WebhookSubscription.municipality_codes, principal.municipality_codes)
        )
    rows, total = paginate(session, query, paging, WebhookSubscription.id)
    counts = _counts(session, [row.id for row in rows])
    return [_public(row, counts) for row in rows], total


def update_webhook(
    *,
    session: Session,
    subscription: WebhookSubscription,
    webhook_in: WebhookUpdate,
    principal: Principal,
    allow_private: bool,
) -> WebhookPublic:
    changes = webhook_in.model_dump(exclude_unset=True)
    if changes.get("url") is not None:
        check_target(changes["url"], allow_private=allow_private, field="url")
    if "municipality_codes" in changes:
        changes["municipality_codes"] = _municipalities(
            principal, changes["municipality_codes"] or []
        )
    for field in ("events", "statuses"):
        if field in changes:
            changes[field] = dedupe(changes[field])
    apply_changes(subscription, changes)
    subscription.updated_at = utc_now()
    session.add(subscription)
    session.commit()
    return present(session, subscription)


def delete_webhook(*, session: Session, subscription: WebhookSubscription) -> None:
    """The subscription goes with its whole delivery log, pending deliveries included: a
    worker holding one finishes its attempt and then finds nothing to record it on."""
    session.execute(
        sa.delete(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription.id)
    )
    session.delete(subscription)
    session.commit()


def list_deliveries(
    *,
    session: Session,
    subscription: WebhookSubscription,
    paging: Paging,
    status: DeliveryStatus | None = None,
) -> tuple[list[WebhookDeliveryPublic], int]:
    """Newest first."""
    query = select(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription.id)
    if status is not None:
        query = query.where(WebhookDelivery.status == status)
    rows, total = paginate(session, query, paging, sa.desc(WebhookDelivery.id))
    return [
        WebhookDeliveryPublic.model_validate(
            {
                **row.model_dump(exclude={"payload", "claim_token", "claimed_until"}),
                "event": WebhookEvent.model_validate_json(row.payload),
            }
        )
        for row in rows
    ], total


def _wants(subscription: WebhookSubscription, event_type: str, status: str | None) -> bool:
    """The subscription takes this event: its type, and for an introduction's status change
    its status (``statuses`` narrows those only)."""
    return (not subscription.events or event_type in subscription.events) and (
        status is None or not subscription.statuses or status in subscription.statuses
    )


def _enqueue(
    session: Session,
    municipality_code: str,
    event_type: WebhookEventType,
    data: dict,
    status: str | None = None,
) -> None:
    """One delivery per active subscription of the municipality that wants the event, in the
    caller's transaction: the change and its notifications commit (or vanish) together."""
    subscriptions = [
        subscription
        for subscription in session.exec(
            select(WebhookSubscription)
            .where(
                WebhookSubscription.active,
                list_contains(session, WebhookSubscription.municipality_codes, municipality_code),
            )
            .order_by(WebhookSubscription.id)
        ).all()
        if _wants(subscription, event_type, status)
    ]
    if not subscriptions:
        return
    event = WebhookEvent.model_validate(
        {"id": str(uuid.uuid4()), "type": event_type, "occurred_at": utc_now(), "data": data}
    )
    payload = event.model_dump_json(by_alias=True)
    for subscription in subscriptions:
        session.add(
            WebhookDelivery(
                subscription_id=subscription.id,
                event_id=event.id,
                event_type=event_type,
                payload=payload,
                next_attempt_at=event.occurred_at,
            )
        )


def enqueue_introduction_event(
    session: Session, introduction: Introduction, previous_status: str | None
) -> None:
    """``introduction.status_changed`` for the subscriptions of the introduction's
    municipality: ids and statuses only, never names, emails or messages."""
    # A subscription receives the events of its own municipalities only.
    municipality_code = session.get(Initiative, introduction.initiative_id).municipality_code
    _enqueue(
        session,
        municipality_code,
        WebhookEventType.introduction_status_changed,
        {
            "introduction_id": introduction.id,
            "initiative_id": introduction.initiative_id,
            "contact_id": introduction.contact_id,
            "status": introduction.status,
            "previous_status": previous_status,
        },
        status=introduction.status,
    )


def enqueue_response_event(
    session: Session, initiative: Initiative, previous_status: str | None
) -> None:
    """``initiative.response_changed``: the initiative's id and its answer's status, never
    the answer's text (it is written to the initiator) or anything of the broker's desk."""
    _enqueue(
        session,
        initiative.municipality_code,
        WebhookEventType.initiative_response_changed,
        {
            "initiative_id": initiative.id,
            "status": initiative.response_status,
            "previous_status": previous_status,
        },
    )
