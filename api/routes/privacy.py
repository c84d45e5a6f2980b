"""AVG/GDPR endpoints: a civil servant's export and erasure, an initiator's erasure, and the
audit log of personal data (see api/services/privacy.py and api/services/audit.py)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from api.core.exceptions import Forbidden, NotFound
from api.core.identity import Principal
from api.http.deps import (
    AdminDep,
    AnyKeyDep,
    ContactDep,
    IdPath,
    PagingDep,
    SessionDep,
    can_see_initiative,
)
from api.routes.paging import page_of
from api.services import privacy
from schemas import (
    AuditAction,
    AuditEntryPublic,
    AuditObjectType,
    Contact,
    ContactExport,
    Initiative,
    Page,
    Role,
)
from schemas.base import MAX_ID

router = APIRouter(tags=["privacy"])


def _self_or_admin(principal: Principal, contact_id: int) -> bool:
    return principal.role is Role.admin or principal.is_contact(contact_id)


def get_exportable_contact(contact: ContactDep, principal: AnyKeyDep) -> Contact:
    if not _self_or_admin(principal, contact.id):
        raise Forbidden("Only the contact themself and admins may export a contact's data.")
    return contact


def get_erasable_contact(id: IdPath, session: SessionDep, principal: AnyKeyDep) -> Contact:
    """As ContactDep, but admins also find an erased contact: erasing again is a no-op (204)."""
    contact = session.get(Contact, id)
    if contact is not None and not principal.acts_for(contact.municipality_code):
        contact = None  # another municipality's contact is not revealed
    if contact is not None and _self_or_admin(principal, contact.id):
        return contact
    if (
        contact is None
        or contact.erased_at is not None
        or not (contact.consent_at is not None or principal.is_staff)
    ):
        raise NotFound(f"No contact with id {id}.")
    raise Forbidden("Only the contact themself and admins may erase a contact's data.")


def get_erasable_initiative(id: IdPath, session: SessionDep, principal: AnyKeyDep) -> Initiative:
    """The initiative's own initiator or an admin; others get 404 (initiators, as for any
    initiative not theirs) or 403."""
    initiative = session.get(Initiative, id)
    if initiative is not None and not can_see_initiative(principal, initiative):
        initiative = None  # another municipality's initiative is not revealed
    if initiative is not None and (
        principal.role is Role.admin or principal.owns_initiative(initiative)
    ):
        return initiative
    if initiative is None or principal.role is Role.initiator:
        raise NotFound(f"No initiative with id {id}.")
    raise Forbidden("Only the initiator and admins may erase an initiator's data.")


@router.get(
    "/contacts/{id}/export",
    response_model=ContactExport,
    summary="Everything held about a civil servant (themself or admin)",
    description="AVG art. 15 and 20: the full record, who lists them, the introductions they "
    "are party to with every message and feedback, their API keys and the audit entries "
    "about them. The export itself is audited.",
    operation_id="exportContact",
)
def export_contact(
    contact: Annotated[Contact, Depends(get_exportable_contact)],
    session: SessionDep,
    principal: AnyKeyDep,
):
    return privacy.export_contact(session=session, contact=contact, principal=principal)


@router.post(
    "/contacts/{id}/erasure",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Erase a civil servant's personal data (themself or admin)",
    description="AVG art. 17. Blanks name, job title, email, phone, expertise, languages, "
    "networks and `knows`, clears consent (never listed or shown again), removes the contact "
    "from colleagues' `knows` and initiatives' `knownContactIds`, blanks every message, "
    "reason and feedback of their introductions and revokes their API keys. The anonymous "
    "row and the introductions' statuses and outcomes stay, so counts add up. Idempotent.",
    operation_id="eraseContact",
)
def erase_contact(
    contact: Annotated[Contact, Depends(get_erasable_contact)],
    session: SessionDep,
    principal: AnyKeyDep,
) -> None:
    privacy.erase_contact(session=session, contact=contact, principal=principal)


@router.post(
    "/initiatives/{id}/erasure",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Erase an initiator's personal data (the initiator or admin)",
    description="AVG art. 17. Blanks the initiator's name, email and phone and every "
    "message, reason and feedback of the initiative's introductions; the initiative itself "
    "and the introductions' statuses and outcomes stay. Afterwards the initiator's key no "
    "longer finds the initiative. Idempotent (for admins). Closed initiatives are erased "
    "this way automatically after `WEGWIJS_INITIATOR_RETENTION_DAYS`.",
    operation_id="eraseInitiator",
)
def erase_initiator(
    initiative: Annotated[Initiative, Depends(get_erasable_initiative)],
    session: SessionDep,
    principal: AnyKeyDep,
) -> None:
    privacy.erase_initiator(session=session, initiative=initiative, principal=principal)


@router.get(
    "/audit-log",
    response_model=Page[AuditEntryPublic],
    summary="Who read or changed personal data (admin)",
    description="Newest first. Entries name the actor's role and key id, the action and the "
    "record's type and id; never the data itself.",
    operation_id="listAuditLog",
)
def list_audit_log(
    request: Request,
    response: Response,
    session: SessionDep,
    paging: PagingDep,
    principal: AdminDep,
    actor_key_id: Annotated[int | None, Query(alias="actorKeyId", ge=1, le=MAX_ID)] = None,
    actor_role: Annotated[
        str | None,
        Query(
            alias="actorRole",
            pattern=r"^(admin|broker|contact|initiator|system)$",
            description="admin, broker, contact, initiator or system.",
        ),
    ] = None,
    action: AuditAction | None = None,
    object_type: Annotated[AuditObjectType | None, Query(alias="objectType")] = None,
    object_id: Annotated[int | None, Query(alias="objectId", ge=1, le=MAX_ID)] = None,
):
    items, total = privacy.list_audit_entries(
        session=session,
        paging=paging,
        principal=principal,
        actor_key_id=actor_key_id,
        actor_role=actor_role,
        action=action,
        object_type=object_type,
        object_id=object_id,
    )
    return page_of(request, response, paging, items, total)
