from fastapi import APIRouter, Request, Response, status

from api.http.deps import (
    ManagedMunicipalityDep,
    MunicipalityDep,
    NationalAdminDep,
    PagingDep,
    SessionDep,
)
from api.http.etags import set_etag
from api.routes.paging import page_of
from api.services import municipalities as service
from schemas import MunicipalityCreate, MunicipalityPublic, MunicipalityUpdate, Page

router = APIRouter(prefix="/municipalities", tags=["municipalities"])


@router.get(
    "",
    response_model=Page[MunicipalityPublic],
    summary="List municipalities",
    operation_id="listMunicipalities",
)
def list_municipalities(
    request: Request, response: Response, session: SessionDep, paging: PagingDep
):
    items, total = service.list_municipalities(session=session, paging=paging)
    return page_of(request, response, paging, items, total)


@router.post(
    "",
    response_model=MunicipalityPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Add a municipality (national admin)",
    operation_id="createMunicipality",
)
def create_municipality(
    municipality_in: MunicipalityCreate,
    response: Response,
    session: SessionDep,
    _: NationalAdminDep,
):
    municipality = service.create_municipality(session=session, municipality_in=municipality_in)
    response.headers["Location"] = f"/api/v1/municipalities/{municipality.code}"
    set_etag(response, municipality, reload=True)
    return municipality


@router.get(
    "/{code}",
    response_model=MunicipalityPublic,
    summary="Get a municipality",
    operation_id="getMunicipality",
)
def get_municipality(municipality: MunicipalityDep, response: Response):
    set_etag(response, municipality)
    return municipality


@router.patch(
    "/{code}",
    response_model=MunicipalityPublic,
    summary="Update a municipality (admin)",
    operation_id="updateMunicipality",
)
def update_municipality(
    municipality: ManagedMunicipalityDep,
    municipality_in: MunicipalityUpdate,
    session: SessionDep,
    response: Response,
):
    updated = service.update_municipality(
        session=session, municipality=municipality, municipality_in=municipality_in
    )
    set_etag(response, updated, reload=True)
    return updated


@router.delete(
    "/{code}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove an empty municipality (national admin)",
    operation_id="deleteMunicipality",
)
def delete_municipality(
    _: NationalAdminDep, municipality: MunicipalityDep, session: SessionDep
) -> None:
    service.delete_municipality(session=session, municipality=municipality)
