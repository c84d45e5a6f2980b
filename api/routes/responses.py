"""The municipality's official answer to an initiative, and the initiative's history."""

from fastapi import APIRouter

from api.core.exceptions import Forbidden
from api.http.deps import AnyKeyDep, InitiativeDep, SessionDep, StaffDep, StaffInitiativeDep
from api.services import initiative_history
from api.services import responses as service
from schemas import InitiativeEventPublic, InitiativeResponsePublic, InitiativeResponseUpdate

router = APIRouter(prefix="/initiatives", tags=["initiatives"])


@router.put(
    "/{id}/response",
    response_model=InitiativeResponsePublic,
    summary="Give or change the official answer to an initiative (broker)",
    description="`status`: received, in_progress, referred, supported or declined, with the "
    "`text` the initiator reads (plain Dutch). Replaced whole; the same answer again changes "
    "nothing. The initiator sees it as the initiative's `response`; portals get the webhook "
    "event `initiative.response_changed` (the status only, never the text). In the audit log "
    "and the initiative's history.",
    operation_id="setInitiativeResponse",
)
def set_response(
    initiative: StaffInitiativeDep,
    response_in: InitiativeResponseUpdate,
    session: SessionDep,
    principal: StaffDep,
):
    answered = service.set_response(
        session=session, initiative=initiative, response_in=response_in, principal=principal
    )
    return answered.response


@router.get(
    "/{id}/history",
    response_model=list[InitiativeEventPublic],
    summary="What staff did to an initiative, with time and the actor's role",
    description="Oldest first: match overrides made and ended, and changes of the official "
    "answer (ids and statuses only: never a reason, a note or the answer's text). Brokers and "
    "admins see every event, the initiator the changes of the answer; civil servants none.",
    operation_id="getInitiativeHistory",
)
def initiative_events(initiative: InitiativeDep, session: SessionDep, principal: AnyKeyDep):
    if not (principal.is_staff or principal.owns_initiative(initiative)):
        raise Forbidden("Only brokers, admins and the initiator see an initiative's history.")
    return initiative_history.history(session=session, initiative=initiative, principal=principal)
