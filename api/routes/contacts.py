from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from api.http.deps import (
    AnyKeyDep,
    AreaCodeFilter,
    ContactDep,
    MunicipalityFilter,
    OwnContactDep,
    PagingDep,
    SessionDep,
    SettingsDep,
    StaffDep,
    ThemeFilter,
)
from api.http.etags import set_etag
from api.routes.paging import page_of
from api.services import contacts as service
from api.services import matching as matching_service
from schemas import (
    ContactCreate,
    ContactInitiatives,
    ContactPublic,
    ContactSummary,
    ContactUpdate,
    Page,
)
from schemas.base import MAX_ID, SINGLE_LINE

router = APIRouter(prefix="/contacts", tags=["contacts"])

ContactView = ContactPublic | ContactSummary


@router.get(
    "",
    response_model=Page[ContactView],
    summary="List civil servants",
    description="Staff see every record in full. Other keys see only consenting contacts, "
    "without contact details, and names only of contacts with a public profile.",
    operation_id="listContacts",
)
def list_contacts(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: AnyKeyDep,
    paging: PagingDep,
    municipality_code: MunicipalityFilter = None,
    unit_id: Annotated[int | None, Query(alias="unitId", ge=1, le=MAX_ID)] = None,
    theme: ThemeFilter = None,
    area_code: AreaCodeFilter = None,
    q: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=200,
            pattern=SINGLE_LINE,
            description="Text to find in name, job title or expertise.",
        ),
    ] = None,
):
    items, total = service.list_contacts(
        session=session,
        principal=principal,
        paging=paging,
        municipality_code=municipality_code,
        unit_id=unit_id,
        theme=theme,
        area_code=area_code,
        q=q,
    )
    views = service.show_contacts(session=session, principal=principal, contacts=items)
    return page_of(request, response, paging, views, total)


@router.post(
    "",
    response_model=ContactPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Add a civil servant (broker)",
    operation_id="createContact",
)
def create_contact(
    contact_in: ContactCreate, response: Response, session: SessionDep, principal: StaffDep
):
    contact = service.create_contact(session=session, contact_in=contact_in, principal=principal)
    response.headers["Location"] = f"/api/v1/contacts/{contact.id}"
    set_etag(response, contact, reload=True)
    return contact


@router.get(
    "/{id}", response_model=ContactView, summary="Get a civil servant", operation_id="getContact"
)
def get_contact(contact: ContactDep, principal: AnyKeyDep, response: Response, session: SessionDep):
    set_etag(response, contact)
    [view] = service.show_contacts(session=session, principal=principal, contacts=[contact])
    return view


@router.patch(
    "/{id}",
    response_model=ContactPublic,
    summary="Update a civil servant (broker or themself)",
    operation_id="updateContact",
)
def update_contact(
    contact: OwnContactDep,
    contact_in: ContactUpdate,
    session: SessionDep,
    principal: AnyKeyDep,
    response: Response,
):
    updated = service.update_contact(
        session=session, contact=contact, contact_in=contact_in, principal=principal
    )
    set_etag(response, updated, reload=True)
    return updated


@router.delete(
    "/{id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a civil servant (broker)",
    operation_id="deleteContact",
)
def delete_contact(principal: StaffDep, contact: ContactDep, session: SessionDep) -> None:
    service.delete_contact(session=session, contact=contact, principal=principal)


@router.get(
    "/{id}/initiatives",
    response_model=ContactInitiatives,
    summary="Initiatives that fit this civil servant (broker or themself)",
    description="The reverse match: initiatives in the contact's municipality ranked by how "
    "well they fit the contact's portfolio, area and network. Without initiators' details.",
    operation_id="listContactInitiatives",
)
def initiatives_for_contact(
    contact: OwnContactDep,
    session: SessionDep,
    settings: SettingsDep,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
):
    return matching_service.initiatives_for_contact(
        session=session, contact=contact, weights=settings.matching.weights(), limit=limit
    )
