from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from api.http.deps import PagingDep, SessionDep, SettingsDep, StaffDep, WebhookDep
from api.routes.paging import page_of
from api.services import webhooks as service
from schemas import (
    DeliveryStatus,
    Page,
    WebhookCreate,
    WebhookCreated,
    WebhookDeliveryPublic,
    WebhookPublic,
    WebhookUpdate,
)

router = APIRouter(prefix="/webhooks", tags=["webhooks"])

EVENTS = (
    "On every status change of an introduction (including its creation as `requested`) each "
    "active subscription receives a POST with a `WebhookEvent` body, signed as the Standard "
    "Webhooks specification says (`webhook-id`, `webhook-timestamp`, `webhook-signature: "
    'v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`, the key the base64 after the '
    "secret's `whsec_`), so its libraries verify it. By default failed attempts are retried "
    "after 10 s, 1 min, 5 min, 30 min and 2 h. A subscription belongs to municipalities "
    "(`municipalityCodes`, by default all of the key's) and receives their events only. Its "
    "URL must resolve to a public address: loopback, private, link-local and reserved "
    "addresses are refused (400), also at every delivery."
)


@router.post(
    "",
    response_model=WebhookCreated,
    status_code=status.HTTP_201_CREATED,
    summary="Subscribe a URL to events (broker)",
    description=EVENTS + " The `secret` is in this response only; store it now.",
    operation_id="createWebhook",
)
def create_webhook(
    webhook_in: WebhookCreate,
    response: Response,
    session: SessionDep,
    principal: StaffDep,
    settings: SettingsDep,
):
    created = service.create_webhook(
        session=session,
        webhook_in=webhook_in,
        principal=principal,
        allow_private=settings.webhook_allow_private_targets,
    )
    response.headers["Location"] = f"/api/v1/webhooks/{created.id}"
    return created


@router.get(
    "",
    response_model=Page[WebhookPublic],
    summary="List webhooks, without secrets (broker)",
    operation_id="listWebhooks",
)
def list_webhooks(
    request: Request,
    response: Response,
    session: SessionDep,
    paging: PagingDep,
    principal: StaffDep,
):
    items, total = service.list_webhooks(session=session, paging=paging, principal=principal)
    return page_of(request, response, paging, items, total)


@router.get(
    "/{id}",
    response_model=WebhookPublic,
    summary="Get a webhook (broker)",
    operation_id="getWebhook",
)
def get_webhook(subscription: WebhookDep, session: SessionDep):
    return service.present(session, subscription)


@router.patch(
    "/{id}",
    response_model=WebhookPublic,
    summary="Update a webhook (broker)",
    description="`active: false` pauses it: new events are not queued for it, and queued ones "
    "wait until it is active again.",
    operation_id="updateWebhook",
)
def update_webhook(
    subscription: WebhookDep,
    webhook_in: WebhookUpdate,
    session: SessionDep,
    principal: StaffDep,
    settings: SettingsDep,
):
    return service.update_webhook(
        session=session,
        subscription=subscription,
        webhook_in=webhook_in,
        principal=principal,
        allow_private=settings.webhook_allow_private_targets,
    )


@router.delete(
    "/{id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a webhook and its deliveries (broker)",
    operation_id="deleteWebhook",
)
def delete_webhook(subscription: WebhookDep, session: SessionDep) -> None:
    service.delete_webhook(session=session, subscription=subscription)


@router.get(
    "/{id}/deliveries",
    response_model=Page[WebhookDeliveryPublic],
    summary="A webhook's deliveries, newest first (broker)",
    description="Each with its attempts, the receiver's last status code or error, and when "
    "the next attempt is due. `status=failed` lists the ones that gave up.",
    operation_id="listWebhookDeliveries",
)
def list_deliveries(
    subscription: WebhookDep,
    request: Request,
    response: Response,
    session: SessionDep,
    paging: PagingDep,
    delivery_status: Annotated[DeliveryStatus | None, Query(alias="status")] = None,
):
    items, total = service.list_deliveries(
        session=session, subscription=subscription, paging=paging, status=delivery_status
    )
    return page_of(request, response, paging, items, total)
