from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status
from sqlmodel import Session

from api.core.identity import Principal
from api.http.deps import (
    ANY_KEY,
    AnyKeyDep,
    AreaCodeFilter,
    BearerDep,
    IdPath,
    InitiativeDep,
    MunicipalityFilter,
    OwnInitiativeDep,
    PagingDep,
    SessionDep,
    SettingsDep,
    ThemeFilter,
    check_role,
    require,
    visible_initiative,
)
from api.http.etags import set_etag
from api.http.one_hop import in_one_hop
from api.routes import as_json
from api.routes.paging import page_of
from api.services import initiatives as service
from api.services import matching as matching_service
from schemas import (
    InitiativeCreate,
    InitiativePublic,
    InitiativeSummary,
    InitiativeUpdate,
    MatchResult,
    Page,
    Role,
    Stage,
)

router = APIRouter(prefix="/initiatives", tags=["initiatives"])

InitiativeView = InitiativePublic | InitiativeSummary
CreatorDep = Annotated[Principal, Depends(require(Role.admin, Role.broker, Role.initiator))]


@router.get(
    "",
    response_model=Page[InitiativeView],
    summary="List initiatives",
    description="Initiators see only their own; civil servants see initiatives without the "
    "initiator's personal details.",
    operation_id="listInitiatives",
)
def list_initiatives(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: AnyKeyDep,
    paging: PagingDep,
    municipality_code: MunicipalityFilter = None,
    theme: ThemeFilter = None,
    area_code: AreaCodeFilter = None,
    stage: Stage | None = None,
):
    items, total = service.list_initiatives(
        session=session,
        principal=principal,
        paging=paging,
        municipality_code=municipality_code,
        theme=theme,
        area_code=area_code,
        stage=stage,
    )
    views = service.show_initiatives(session=session, principal=principal, initiatives=items)
    return page_of(request, response, paging, views, total)


@router.post(
    "",
    response_model=InitiativePublic,
    status_code=status.HTTP_201_CREATED,
    summary="Register an initiative",
    operation_id="createInitiative",
)
def create_initiative(
    initiative_in: InitiativeCreate, response: Response, session: SessionDep, principal: CreatorDep
):
    initiative = service.create_initiative(
        session=session, initiative_in=initiative_in, principal=principal
    )
    response.headers["Location"] = f"/api/v1/initiatives/{initiative.id}"
    set_etag(response, initiative, reload=True)
    return initiative


@router.get(
    "/{id}",
    response_model=InitiativeView,
    summary="Get an initiative",
    operation_id="getInitiative",
)
def get_initiative(
    initiative: InitiativeDep, principal: AnyKeyDep, response: Response, session: SessionDep
):
    set_etag(response, initiative)
    [view] = service.show_initiatives(
        session=session, principal=principal, initiatives=[initiative]
    )
    return view


@router.patch(
    "/{id}",
    response_model=InitiativePublic,
    summary="Update an initiative",
    operation_id="updateInitiative",
)
def update_initiative(
    initiative: OwnInitiativeDep,
    initiative_in: InitiativeUpdate,
    session: SessionDep,
    principal: AnyKeyDep,
    response: Response,
):
    updated = service.update_initiative(
        session=session, initiative=initiative, initiative_in=initiative_in, principal=principal
    )
    set_etag(response, updated, reload=True)
    return updated


@router.delete(
    "/{id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove an initiative",
    operation_id="deleteInitiative",
)
def delete_initiative(
    initiative: OwnInitiativeDep, session: SessionDep, principal: AnyKeyDep
) -> None:
    service.delete_initiative(session=session, initiative=initiative, principal=principal)


# Checks the key and the rate limits itself, in its one threadpool hop (api/http/one_hop.py).
one_hop_router = APIRouter(prefix="/initiatives", tags=["initiatives"])


@one_hop_router.get(
    "/{id}/matches",
    response_model=MatchResult,
    summary="Wie moet ik hebben? The best contacts for an initiative",
    description="Ranked civil servants with the reasons for each rank. Only available, "
    "consenting contacts of the initiative's municipality appear; names only of contacts "
    "with a public profile (staff see all names); never contact details.",
    operation_id="getInitiativeMatches",
)
async def match_initiative(
    id: IdPath,
    request: Request,
    credentials: BearerDep,
    settings: SettingsDep,
    limit: Annotated[int, Query(ge=1, le=50)] = 5,
) -> Response:
    def answer(session: Session, principal: Principal) -> Response:
        # What AnyKeyDep and InitiativeDep do as dependencies, in this one hop.
        check_role(principal, ANY_KEY)
        # The initiative with everything its match needs from the database: one query.
        read = matching_service.initiative_for_match(
            session=session, initiative_id=id, settings=settings
        )
        initiative = visible_initiative(id, read and read.initiative, principal, request)
        return as_json(
            matching_service.match_initiative(
                session=session,
                initiative=initiative,
                principal=principal,
                settings=settings,
                limit=limit,
                read=read,
            )
        )

    return await in_one_hop(request, credentials, answer)
