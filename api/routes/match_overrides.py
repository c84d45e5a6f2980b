"""A broker steers one initiative's matches: pin a contact to the top, or exclude one."""

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response, status

from api.http.deps import PagingDep, SessionDep, StaffDep, StaffInitiativeDep
from api.routes.paging import page_of
from api.services import match_overrides as service
from schemas import MatchOverrideCreate, MatchOverridePublic, Page
from schemas.base import MAX_ID

router = APIRouter(prefix="/initiatives", tags=["initiatives"])

OverrideIdPath = Annotated[int, Path(alias="overrideId", ge=1, le=MAX_ID)]


@router.post(
    "/{id}/match-overrides",
    response_model=MatchOverridePublic,
    status_code=status.HTTP_201_CREATED,
    summary="Pin a contact to the top of an initiative's matches, or exclude one (broker)",
    description="`pin`: the contact comes first in this initiative's matches, with the reason "
    '"Aanbevolen door de gemeente"; `exclude`: they never appear in them (not as a warm path '
    "either). The `reason` is for colleagues only: never shown to initiators, contacts or "
    "portals, never in webhooks. A contact of another municipality than the initiative's is "
    "a 400; pinning someone without consent, withdrawn, unavailable or not open to "
    "initiatives is a 409 that says which; so is a second standing override for one contact. "
    "In the audit log and the initiative's history.",
    operation_id="createMatchOverride",
)
def create_override(
    initiative: StaffInitiativeDep,
    override_in: MatchOverrideCreate,
    session: SessionDep,
    principal: StaffDep,
    response: Response,
):
    override = service.create_override(
        session=session, initiative=initiative, override_in=override_in, principal=principal
    )
    response.headers["Location"] = (
        f"/api/v1/initiatives/{initiative.id}/match-overrides/{override.id}"
    )
    return override


@router.get(
    "/{id}/match-overrides",
    response_model=Page[MatchOverridePublic],
    summary="An initiative's match overrides, standing and ended (broker)",
    description="Newest first; an ended one has `endedAt`.",
    operation_id="listMatchOverrides",
)
def list_overrides(
    initiative: StaffInitiativeDep,
    session: SessionDep,
    paging: PagingDep,
    request: Request,
    response: Response,
):
    items, total = service.list_overrides(session=session, initiative=initiative, paging=paging)
    return page_of(request, response, paging, items, total)


@router.delete(
    "/{id}/match-overrides/{overrideId}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="End a match override (broker)",
    description="The engine's own ranking applies again. The override stays listed with "
    "`endedAt` (ending it again changes nothing); in the audit log and the history.",
    operation_id="endMatchOverride",
)
def end_override(
    initiative: StaffInitiativeDep,
    override_id: OverrideIdPath,
    session: SessionDep,
    principal: StaffDep,
) -> None:
    override = service.get_override(session=session, initiative=initiative, override_id=override_id)
    service.end_override(session=session, override=override, principal=principal)
