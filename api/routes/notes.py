"""Private notes on an initiative: brokers and admins only."""

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response, status

from api.http.deps import PagingDep, SessionDep, StaffDep, StaffInitiativeDep
from api.routes.paging import page_of
from api.services import notes as service
from schemas import InitiativeNoteCreate, InitiativeNotePublic, Page
from schemas.base import MAX_ID

router = APIRouter(prefix="/initiatives", tags=["initiatives"])

NoteIdPath = Annotated[int, Path(alias="noteId", ge=1, le=MAX_ID)]
PRIVATE = (
    "Never shown to initiators, contacts or portals, never in webhooks or mails; erased with "
    "the initiator's personal data; every create, read and delete is in the audit log."
)


@router.post(
    "/{id}/notes",
    response_model=InitiativeNotePublic,
    status_code=status.HTTP_201_CREATED,
    summary="Add a private note to an initiative (broker)",
    description="What no profile says, for colleagues: dated, with the author's key. " + PRIVATE,
    operation_id="createNote",
)
def create_note(
    initiative: StaffInitiativeDep,
    note_in: InitiativeNoteCreate,
    session: SessionDep,
    principal: StaffDep,
    response: Response,
):
    note = service.create_note(
        session=session, initiative=initiative, note_in=note_in, principal=principal
    )
    response.headers["Location"] = f"/api/v1/initiatives/{initiative.id}/notes/{note.id}"
    return note


@router.get(
    "/{id}/notes",
    response_model=Page[InitiativeNotePublic],
    summary="An initiative's private notes (broker)",
    description="Newest first. " + PRIVATE,
    operation_id="listNotes",
)
def list_notes(
    initiative: StaffInitiativeDep,
    session: SessionDep,
    principal: StaffDep,
    paging: PagingDep,
    request: Request,
    response: Response,
):
    items, total = service.list_notes(
        session=session, initiative=initiative, paging=paging, principal=principal
    )
    views = [InitiativeNotePublic.model_validate(note) for note in items]
    return page_of(request, response, paging, views, total)


@router.delete(
    "/{id}/notes/{noteId}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a private note (its author or an admin)",
    operation_id="deleteNote",
)
def delete_note(
    initiative: StaffInitiativeDep,
    note_id: NoteIdPath,
    session: SessionDep,
    principal: StaffDep,
) -> None:
    note = service.get_note(session=session, initiative=initiative, note_id=note_id)
    service.delete_note(session=session, note=note, principal=principal)
