"""The municipality's official answer to an initiative: set by staff (replaced whole), shown
to the initiator, in the initiative's history and the audit log, and sent as the webhook
event ``initiative.response_changed`` (its status only, never its text), all in one
transaction."""

from sqlmodel import Session

from api.core.identity import Principal
from api.services import audit
from api.services.initiative_history import record_event
from api.services.webhooks import enqueue_response_event
from schemas import (
    AuditAction,
    AuditObjectType,
    Initiative,
    InitiativeEventKind,
    InitiativeResponseUpdate,
)
from schemas.columns import utc_now


def set_response(
    *,
    session: Session,
    initiative: Initiative,
    response_in: InitiativeResponseUpdate,
    principal: Principal,
) -> Initiative:
    """Replace the answer. The same answer again changes nothing (PUT is idempotent): no new
    time, history entry or webhook event."""
    if (
        initiative.response_status == response_in.status
        and (initiative.response_text or "") == response_in.text
    ):
        return initiative
    previous = initiative.response_status
    now = utc_now()
    initiative.response_status = response_in.status
    initiative.response_text = response_in.text
    initiative.response_answered_at = now
    initiative.updated_at = now
    session.add(initiative)
    record_event(
        session,
        initiative.id,
        principal,
        InitiativeEventKind.response_changed,
        response_status=response_in.status,
    )
    enqueue_response_event(session, initiative, previous)
    audit.note(session, principal, AuditAction.update, AuditObjectType.initiative, [initiative.id])
    session.commit()
    return initiative
