from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from api.http.deps import AnyKeyDep, IntroductionDep, PagingDep, SessionDep, SettingsDep
from api.http.etags import set_etag
from api.routes.paging import page_of
from api.services import introductions as service
from schemas import (
    IntroductionCreate,
    IntroductionEventPublic,
    IntroductionPublic,
    IntroductionStatus,
    IntroductionUpdate,
    Page,
)
from schemas.base import MAX_ID

router = APIRouter(prefix="/introductions", tags=["introductions"])


@router.post(
    "",
    response_model=IntroductionPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Ask to be introduced to a contact",
    description="By the initiative's initiator, or a broker. 409 when the contact is closed or "
    "has no room this month, when an introduction to them is already open, or past the limit "
    "of open introductions per initiative (problem type "
    "`…/problems/too-many-open-introductions`: wait for answers or cancel one).",
    responses={
        409: {
            "description": "The contact takes no introductions now, an introduction to them is "
            "open already, or the initiative has too many open introductions (problem type "
            "`…/problems/too-many-open-introductions`)."
        }
    },
    operation_id="createIntroduction",
)
def request_introduction(
    introduction_in: IntroductionCreate,
    response: Response,
    session: SessionDep,
    principal: AnyKeyDep,
    settings: SettingsDep,
):
    introduction = service.request_introduction(
        session=session, introduction_in=introduction_in, principal=principal, settings=settings
    )
    response.headers["Location"] = f"/api/v1/introductions/{introduction.id}"
    set_etag(response, introduction, reload=True)
    return service.present(session, introduction, principal)


@router.get(
    "",
    response_model=Page[IntroductionPublic],
    summary="List introductions",
    operation_id="listIntroductions",
)
def list_introductions(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: AnyKeyDep,
    paging: PagingDep,
    initiative_id: Annotated[int | None, Query(alias="initiativeId", ge=1, le=MAX_ID)] = None,
    contact_id: Annotated[int | None, Query(alias="contactId", ge=1, le=MAX_ID)] = None,
    status: IntroductionStatus | None = None,
):
    items, total = service.list_introductions(
        session=session,
        principal=principal,
        paging=paging,
        initiative_id=initiative_id,
        contact_id=contact_id,
        status=status,
    )
    views = service.show_introductions(session=session, principal=principal, introductions=items)
    return page_of(request, response, paging, views, total)


@router.get(
    "/{id}",
    response_model=IntroductionPublic,
    summary="Get an introduction",
    operation_id="getIntroduction",
)
def get_introduction(
    introduction: IntroductionDep, session: SessionDep, principal: AnyKeyDep, response: Response
):
    set_etag(response, introduction)
    [view] = service.show_introductions(
        session=session, principal=principal, introductions=[introduction]
    )
    return view


@router.patch(
    "/{id}",
    response_model=IntroductionPublic,
    summary="Accept, decline, complete or cancel an introduction",
    description="Legal moves: requested → accepted | declined (the contact or a broker) | "
    "cancelled (the requester); accepted → completed with an outcome (either side) | "
    "cancelled. Anything else is 409. `feedback` alone adds your side's feedback.",
    operation_id="updateIntroduction",
)
def change_introduction(
    introduction: IntroductionDep,
    change: IntroductionUpdate,
    session: SessionDep,
    principal: AnyKeyDep,
    settings: SettingsDep,
    response: Response,
):
    changed = service.change_introduction(
        session=session,
        introduction=introduction,
        change=change,
        principal=principal,
        settings=settings,
    )
    set_etag(response, changed, reload=True)
    return service.present(session, changed, principal)


@router.get(
    "/{id}/history",
    response_model=list[IntroductionEventPublic],
    summary="Every status change, with time and the actor's role",
    operation_id="getIntroductionHistory",
)
def introduction_history(introduction: IntroductionDep, session: SessionDep):
    return service.history(session=session, introduction=introduction)
