from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from api.http.deps import (
    ManagedUnitDep,
    MunicipalityFilter,
    PagingDep,
    SessionDep,
    SettingsDep,
    StaffDep,
    UnitDep,
    confine_to,
)
from api.http.etags import set_etag
from api.routes.paging import page_of
from api.services import units as service
from schemas import Page, UnitCreate, UnitPublic, UnitTree, UnitUpdate
from schemas.base import MAX_ID, MUNICIPALITY_CODE

router = APIRouter(prefix="/units", tags=["units"])


@router.get(
    "", response_model=Page[UnitPublic], summary="List organisation units", operation_id="listUnits"
)
def list_units(
    request: Request,
    response: Response,
    session: SessionDep,
    paging: PagingDep,
    municipality_code: MunicipalityFilter = None,
    parent_id: Annotated[int | None, Query(alias="parentId", ge=1, le=MAX_ID)] = None,
):
    items, total = service.list_units(
        session=session, paging=paging, municipality_code=municipality_code, parent_id=parent_id
    )
    return page_of(request, response, paging, items, total)


# Declared before /{id}, so "tree" is never read as a unit id.
@router.get(
    "/tree",
    response_model=UnitTree,
    summary="Hoe werkt de gemeente? The organisation map as a tree",
    description="Every unit of the municipality, sub-units nested under their parent, with "
    "its themes, areas, public channel and how many of its civil servants are open to an "
    "initiative right now (`openContacts`). Open to anyone; no personal data of civil servants. "
    "An unknown `municipalityCode` is a 400.",
    operation_id="getUnitTree",
)
def unit_tree(
    session: SessionDep,
    settings: SettingsDep,
    municipality_code: Annotated[str, Query(alias="municipalityCode", pattern=MUNICIPALITY_CODE)],
):
    return service.unit_tree(
        session=session, settings=settings, municipality_code=municipality_code
    )


@router.post(
    "",
    response_model=UnitPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Add a unit (broker)",
    operation_id="createUnit",
)
def create_unit(unit_in: UnitCreate, response: Response, session: SessionDep, principal: StaffDep):
    confine_to(session, principal, unit_in.municipality_code)
    unit = service.create_unit(session=session, unit_in=unit_in)
    response.headers["Location"] = f"/api/v1/units/{unit.id}"
    set_etag(response, unit, reload=True)
    return unit


@router.get("/{id}", response_model=UnitPublic, summary="Get a unit", operation_id="getUnit")
def get_unit(unit: UnitDep, response: Response):
    set_etag(response, unit)
    return unit


@router.patch(
    "/{id}", response_model=UnitPublic, summary="Update a unit (broker)", operation_id="updateUnit"
)
def update_unit(unit: ManagedUnitDep, unit_in: UnitUpdate, session: SessionDep, response: Response):
    updated = service.update_unit(session=session, unit=unit, unit_in=unit_in)
    set_etag(response, updated, reload=True)
    return updated


@router.delete(
    "/{id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove an empty unit (broker)",
    operation_id="deleteUnit",
)
def delete_unit(unit: ManagedUnitDep, session: SessionDep) -> None:
    service.delete_unit(session=session, unit=unit)
