"""Private notes on an initiative, for brokers and admins: dated, with their author's key.

Notes live in their own table and this module only: no initiative representation, webhook
event or mail is built from them, so none can carry one. Every create, read and delete is
in the audit log; they go with the initiator's personal data when that is erased
(``api.services.privacy``).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlmodel import Session, select

from api.core.exceptions import Forbidden, NotFound
from api.core.identity import Principal
from api.core.paging import Paging
from api.services import audit
from api.services.common import paginate
from schemas import (
    AuditAction,
    AuditObjectType,
    Initiative,
    InitiativeNote,
    InitiativeNoteCreate,
    Role,
)


def list_notes(
    *, session: Session, initiative: Initiative, paging: Paging, principal: Principal
) -> tuple[Sequence[InitiativeNote], int]:
    """Newest first; the page's notes are read into the audit log."""
    query = select(InitiativeNote).where(InitiativeNote.initiative_id == initiative.id)
    items, total = paginate(session, query, paging, sa.desc(InitiativeNote.id))
    audit.record(
        session, principal, AuditAction.read, AuditObjectType.initiative_note, [n.id for n in items]
    )
    return items, total


def create_note(
    *,
    session: Session,
    initiative: Initiative,
    note_in: InitiativeNoteCreate,
    principal: Principal,
) -> InitiativeNote:
    note = InitiativeNote(
        initiative_id=initiative.id,
        text=note_in.text,
        author_role=principal.role.value if principal.role else "anonymous",
        author_key_id=principal.key_id,
    )
    session.add(note)
    session.flush()  # its id, for the audit log
    audit.note(session, principal, AuditAction.create, AuditObjectType.initiative_note, [note.id])
    session.commit()
    return note


def get_note(*, session: Session, initiative: Initiative, note_id: int) -> InitiativeNote:
    note = session.get(InitiativeNote, note_id)
    if note is None or note.initiative_id != initiative.id:
        raise NotFound(f"No note with id {note_id} on this initiative.")
    return note


def delete_note(*, session: Session, note: InitiativeNote, principal: Principal) -> None:
    """By its author (the same key) or an admin: a broker does not remove a colleague's."""
    own = principal.key_id is not None and principal.key_id == note.author_key_id
    if not (own or principal.role is Role.admin):
        raise Forbidden("Only the note's author and admins may remove it.")
    audit.note(session, principal, AuditAction.delete, AuditObjectType.initiative_note, [note.id])
    session.delete(note)
    session.commit()


def erase_notes(session: Session, initiative_id: int) -> None:
    """Remove the initiative's notes (part of the caller's transaction: erasure)."""
    session.execute(sa.delete(InitiativeNote).where(InitiativeNote.initiative_id == initiative_id))
