from fastapi import APIRouter, Request, Response, status

from api.http.deps import (
    AdminDep,
    AreaDep,
    ManagedAreaDep,
    MunicipalityFilter,
    PagingDep,
    SessionDep,
    confine_to,
)
from api.http.etags import set_etag
from api.routes.paging import page_of
from api.services import areas as service
from schemas import AreaCreate, AreaPublic, AreaUpdate, Page

router = APIRouter(prefix="/areas", tags=["areas"])


@router.get("", response_model=Page[AreaPublic], summary="List areas", operation_id="listAreas")
def list_areas(
    request: Request,
    response: Response,
    session: SessionDep,
    paging: PagingDep,
    municipality_code: MunicipalityFilter = None,
):
    items, total = service.list_areas(
        session=session, paging=paging, municipality_code=municipality_code
    )
    return page_of(request, response, paging, items, total)


@router.post(
    "",
    response_model=AreaPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Add an area (admin)",
    operation_id="createArea",
)
def create_area(area_in: AreaCreate, response: Response, session: SessionDep, principal: AdminDep):
    confine_to(session, principal, area_in.municipality_code)
    area = service.create_area(session=session, area_in=area_in)
    response.headers["Location"] = f"/api/v1/areas/{area.code}"
    set_etag(response, area, reload=True)
    return area


@router.get("/{code}", response_model=AreaPublic, summary="Get an area", operation_id="getArea")
def get_area(area: AreaDep, response: Response):
    set_etag(response, area)
    return area


@router.patch(
    "/{code}",
    response_model=AreaPublic,
    summary="Update an area (admin)",
    operation_id="updateArea",
)
def update_area(area: ManagedAreaDep, area_in: AreaUpdate, session: SessionDep, response: Response):
    updated = service.update_area(session=session, area=area, area_in=area_in)
    set_etag(response, updated, reload=True)
    return updated


@router.delete(
    "/{code}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove an unused area (admin)",
    operation_id="deleteArea",
)
def delete_area(area: ManagedAreaDep, session: SessionDep) -> None:
    service.delete_area(session=session, area=area)
