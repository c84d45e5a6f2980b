from collections.abc import Sequence

import sqlalchemy as sa
from sqlmodel import Session, func, select

from api.core.exceptions import Forbidden
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
    list_contains,
    paginate,
    require_municipality,
)
from schemas import (
    AuditAction,
    AuditObjectType,
    Initiative,
    InitiativeCreate,
    InitiativeEvent,
    InitiativeNote,
    InitiativePublic,
    InitiativeSummary,
    InitiativeUpdate,
    MatchOverride,
    Role,
    Stage,
)
from schemas.columns import utc_now


def present_initiative(
    initiative: Initiative, principal: Principal
) -> InitiativePublic | InitiativeSummary:
    """The initiator's own details only for the initiator themself, brokers and admins."""
    if principal.is_staff or principal.owns_initiative(initiative):
        return InitiativePublic.model_validate(initiative)
    return InitiativeSummary.model_validate(initiative)


def show_initiatives(
    *, session: Session, principal: Principal, initiatives: Sequence[Initiative]
) -> list[InitiativePublic | InitiativeSummary]:
    """The caller's views of these initiatives; those with the initiator's details go in the
    audit log."""
    views = [present_initiative(initiative, principal) for initiative in initiatives]
    audit.record_views(session, principal, views)
    return views


def list_initiatives(
    *,
    session: Session,
    principal: Principal,
    paging: Paging,
    municipality_code: str | None = None,
    theme: str | None = None,
    area_code: str | None = None,
    stage: str | None = None,
) -> tuple[Sequence[Initiative], int]:
    query = select(Initiative)
    if principal.role is not Role.initiator:
        query = confined(query, Initiative, principal)
    else:
        query = query.where(
            func.lower(Initiative.initiator_email) == (principal.subject or "").lower()
        )
    if municipality_code:
        query = query.where(Initiative.municipality_code == municipality_code)
    if theme:
        query = query.where(list_contains(session, Initiative.themes, theme))
    if area_code:
        query = query.where(list_contains(session, Initiative.area_codes, area_code))
    if stage:
        query = query.where(Initiative.stage == stage)
    return paginate(session, query, paging, Initiative.id)


def _initiator_columns(initiator: dict) -> dict:
    return {
        "initiator_name": initiator["name"],
        "initiator_email": initiator["email"],
        "initiator_phone": initiator.get("phone"),
    }


def _check_own_email(principal: Principal, email: str) -> None:
    if (
        principal.role is Role.initiator
        and (principal.subject or "").casefold() != email.casefold()
    ):
        raise Forbidden(
            "Initiators act only in their own name: initiator.email must be your key's."
        )


def create_initiative(
    *, session: Session, initiative_in: InitiativeCreate, principal: Principal
) -> Initiative:
    _check_own_email(principal, initiative_in.initiator.email)
    require_municipality(session, initiative_in.municipality_code, field="municipalityCode")
    if principal.role is not Role.initiator:  # initiators register wherever they live
        principal.confine(initiative_in.municipality_code)
    code = initiative_in.municipality_code
    check_all(
        lambda: check_area_codes(
            session, initiative_in.area_codes, municipality_code=code, field="areaCodes"
        ),
        lambda: check_contact_ids(
            session,
            initiative_in.known_contact_ids,
            municipality_code=code,
            field="knownContactIds",
        ),
    )
    data = initiative_in.model_dump()
    data["known_contact_ids"] = dedupe(data["known_contact_ids"])
    initiator = data.pop("initiator")
    data["themes"] = dedupe(data["themes"])
    data["area_codes"] = dedupe(data["area_codes"])
    initiative = Initiative.model_validate({**data, **_initiator_columns(initiator)})
    if initiative.stage == Stage.closed:
        initiative.closed_at = initiative.created_at
    session.add(initiative)
    session.flush()  # its id, for the audit log: the create and its entry commit together
    audit.note(session, principal, AuditAction.create, AuditObjectType.initiative, [initiative.id])
    session.commit()
    return initiative


def update_initiative(
    *,
    session: Session,
    initiative: Initiative,
    initiative_in: InitiativeUpdate,
    principal: Principal,
) -> Initiative:
    changes = initiative_in.model_dump(exclude_unset=True)
    if "initiator" in changes:
        _check_own_email(principal, changes["initiator"]["email"])
        changes.update(_initiator_columns(changes.pop("initiator")))
        changes["initiator_erased_at"] = None  # a new initiator's data, held anew
    if "stage" in changes and changes["stage"] != initiative.stage:
        # The retention clock (see api/services/privacy.py) starts when an initiative closes
        # and stops when it is reopened.
        changes["closed_at"] = utc_now() if changes["stage"] == Stage.closed else None
    code = initiative.municipality_code
    # Every problem at once, as on create: a wrong area code does not hide a wrong contact id.
    checks = []
    if "area_codes" in changes:
        areas = changes["area_codes"]
        checks.append(
            lambda: check_area_codes(session, areas, municipality_code=code, field="areaCodes")
        )
    if "known_contact_ids" in changes:
        contact_ids = changes["known_contact_ids"]
        checks.append(
            lambda: check_contact_ids(
                session, contact_ids, municipality_code=code, field="knownContactIds"
            )
        )
    check_all(*checks)
    if "area_codes" in changes:
        changes["area_codes"] = dedupe(changes["area_codes"])
    if "themes" in changes:
        changes["themes"] = dedupe(changes["themes"])
    if "known_contact_ids" in changes:
        changes["known_contact_ids"] = dedupe(changes["known_contact_ids"])
    apply_changes(initiative, changes)
    initiative.updated_at = utc_now()
    session.add(initiative)
    audit.note(session, principal, AuditAction.update, AuditObjectType.initiative, [initiative.id])
    session.commit()
    return initiative


def delete_initiative(*, session: Session, initiative: Initiative, principal: Principal) -> None:
    audit.note(session, principal, AuditAction.delete, AuditObjectType.initiative, [initiative.id])
    # The broker's desk goes with it (an initiative with introductions stays: 409).
    for table in (InitiativeNote, MatchOverride, InitiativeEvent):
        session.execute(sa.delete(table).where(table.initiative_id == initiative.id))
    session.delete(initiative)
    session.commit()
