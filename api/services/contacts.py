from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from api.core.exceptions import Conflict, Forbidden, InvalidInput
from api.core.identity import Principal
from api.core.paging import Paging
from api.services import audit
from api.services.common import (
    apply_changes,
    check_all,
    check_area_codes,
    check_contact_ids,
    confined,
    dedupe,
    like_pattern,
    list_contains,
    paginate,
    touch_directory,
)
from schemas import (
    ApiKey,
    AuditAction,
    AuditObjectType,
    Contact,
    ContactCreate,
    ContactPublic,
    ContactSummary,
    ContactUpdate,
    Initiative,
    MatchOverride,
    Role,
    Unit,
)
from schemas.columns import utc_now


def present_contact(contact: Contact, principal: Principal) -> ContactPublic | ContactSummary:
    """Data minimisation: contact details only for staff and the contact themself; the name
    only where the contact chose a public profile."""
    if principal.is_staff or principal.is_contact(contact.id):
        return ContactPublic.model_validate(contact)
    profile = ContactSummary.model_validate(contact)
    if not contact.public_profile:
        profile.name = None
    return profile


def show_contacts(
    *, session: Session, principal: Principal, contacts: Sequence[Contact]
) -> list[ContactPublic | ContactSummary]:
    """The caller's views of these contacts; those with personal data go in the audit log."""
    views = [present_contact(contact, principal) for contact in contacts]
    audit.record_views(session, principal, views)
    return views


def list_contacts(
    *,
    session: Session,
    principal: Principal,
    paging: Paging,
    municipality_code: str | None = None,
    unit_id: int | None = None,
    theme: str | None = None,
    area_code: str | None = None,
    q: str | None = None,
) -> tuple[Sequence[Contact], int]:
    query = confined(select(Contact).where(Contact.erased_at.is_(None)), Contact, principal)
    if not principal.is_staff:
        # Listing is opt-in: without consent a contact is shown to nobody but staff; someone
        # the HR feed no longer has (withdrawn by a directory sync) neither.
        query = query.where(Contact.consent_at.is_not(None), Contact.withdrawn_at.is_(None))
    if municipality_code:
        query = query.where(Contact.municipality_code == municipality_code)
    if unit_id is not None:
        query = query.where(Contact.unit_id == unit_id)
    if theme:
        query = query.where(list_contains(session, Contact.themes, theme))
    if area_code:
        query = query.where(list_contains(session, Contact.area_codes, area_code))
    if q:
        pattern = like_pattern(q)
        name_match = Contact.name.ilike(pattern, escape="\\")
        if not principal.is_staff:
            # Others may find a name only where the contact made it public.
            name_match = sa.and_(Contact.public_profile, name_match)
        query = query.where(
            sa.or_(
                Contact.job_title.ilike(pattern, escape="\\"),
                Contact.expertise.ilike(pattern, escape="\\"),
                name_match,
            )
        )
    return paginate(session, query, paging, Contact.id)


def _unit_for(session: Session, unit_id: int) -> Unit:
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise InvalidInput.field("unitId", f"Unknown unit {unit_id}.")
    return unit


def check_external_id(
    session: Session,
    table: Any,
    external_id: str | None,
    *,
    municipality_code: str,
    itself: int | None = None,
) -> None:
    """409 when another unit or contact of the municipality has this externalId."""
    if external_id is None:
        return
    other = session.exec(
        select(table.id).where(
            table.municipality_code == municipality_code,
            table.external_id == external_id,
            table.id != (itself or 0),
        )
    ).first()
    if other is not None:
        noun = table.__tablename__
        raise Conflict(f"The {noun} {other} of {municipality_code} has externalId {external_id}.")


def _normalised(data: dict) -> dict:
    for field in ("themes", "area_codes", "languages", "knows"):
        if field in data:
            data[field] = dedupe(data[field])
    return data


def create_contact(*, session: Session, contact_in: ContactCreate, principal: Principal) -> Contact:
    unit = _unit_for(session, contact_in.unit_id)
    principal.confine(unit.municipality_code)
    check_all(
        lambda: check_area_codes(
            session,
            contact_in.area_codes,
            municipality_code=unit.municipality_code,
            field="areaCodes",
        ),
        lambda: check_contact_ids(
            session, contact_in.knows, municipality_code=unit.municipality_code, field="knows"
        ),
    )
    check_external_id(
        session, Contact, contact_in.external_id, municipality_code=unit.municipality_code
    )
    data = _normalised(contact_in.model_dump())
    contact = Contact.model_validate({**data, "municipality_code": unit.municipality_code})
    session.add(contact)
    session.flush()  # its id, for the directory change and the audit log
    touch_directory(session, contact.municipality_code, [contact.id])
    audit.note(session, principal, AuditAction.create, AuditObjectType.contact, [contact.id])
    session.commit()
    return contact


def update_contact(
    *, session: Session, contact: Contact, contact_in: ContactUpdate, principal: Principal
) -> Contact:
    # Checked as sent, deduplicated after: invalidParams indexes point into the request.
    changes = contact_in.model_dump(exclude_unset=True)
    if not principal.is_staff and "unit_id" in changes and changes["unit_id"] != contact.unit_id:
        raise Forbidden("Only brokers and admins move a contact to another unit.")
    if (
        not principal.is_staff
        and "external_id" in changes
        and changes["external_id"] != contact.external_id
    ):
        raise Forbidden("Only brokers and admins set the HR system's externalId.")
    municipality_code = contact.municipality_code
    if "unit_id" in changes:
        municipality_code = _unit_for(session, changes["unit_id"]).municipality_code
        principal.confine(municipality_code)
        changes["municipality_code"] = municipality_code
    moved = municipality_code != contact.municipality_code
    checks = []
    if "area_codes" in changes or moved:
        checks.append(
            lambda: check_area_codes(
                session,
                changes.get("area_codes", contact.area_codes),
                municipality_code=municipality_code,
                field="areaCodes",
            )
        )
    if "knows" in changes or moved:
        checks.append(
            lambda: check_contact_ids(
                session,
                changes.get("knows", contact.knows),
                municipality_code=municipality_code,
                field="knows",
                itself=contact.id,
            )
        )
    check_all(*checks)
    if "external_id" in changes or moved:
        check_external_id(
            session,
            Contact,
            changes.get("external_id", contact.external_id),
            municipality_code=municipality_code,
            itself=contact.id,
        )
    _normalised(changes)
    previous_municipality = contact.municipality_code
    apply_changes(contact, changes)
    contact.updated_at = utc_now()
    session.add(contact)
    for code in {previous_municipality, contact.municipality_code}:
        touch_directory(session, code, [contact.id])
    audit.note(session, principal, AuditAction.update, AuditObjectType.contact, [contact.id])
    session.commit()
    return contact


def unlink_contact(session: Session, contact_id: int) -> list[int]:
    """Revoke the contact's keys and remove its id from colleagues' ``knows`` and from
    initiatives' ``knownContactIds``: for a removed or erased contact. Part of the caller's
    transaction. Returns the colleagues whose ``knows`` changed."""
    # A leftover key would act for whoever gets this id next (SQLite reuses ids).
    for key in session.exec(
        select(ApiKey).where(
            ApiKey.role == Role.contact,
            ApiKey.subject == str(contact_id),
            ApiKey.revoked_at.is_(None),
        )
    ).all():
        key.revoked_at = utc_now()
        session.add(key)
    colleagues = session.exec(
        select(Contact).where(list_contains(session, Contact.knows, contact_id))
    ).all()
    for colleague in colleagues:
        colleague.knows = [other for other in colleague.knows if other != contact_id]
        session.add(colleague)
    for initiative in session.exec(
        select(Initiative).where(list_contains(session, Initiative.known_contact_ids, contact_id))
    ).all():
        initiative.known_contact_ids = [k for k in initiative.known_contact_ids if k != contact_id]
        session.add(initiative)
    return [colleague.id for colleague in colleagues]


def delete_contact(*, session: Session, contact: Contact, principal: Principal) -> None:
    audit.note(session, principal, AuditAction.delete, AuditObjectType.contact, [contact.id])
    colleagues = unlink_contact(session, contact.id)
    # Overrides about them steer nothing any more (the initiatives' history keeps the event).
    session.execute(sa.delete(MatchOverride).where(MatchOverride.contact_id == contact.id))
    session.delete(contact)
    touch_directory(session, contact.municipality_code, [contact.id, *colleagues])
    session.commit()
