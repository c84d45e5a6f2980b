from sqlmodel import Session, select

from api.core.exceptions import Conflict, InvalidInput
from api.core.paging import Paging
from api.core.settings import Settings
from api.services.common import (
    any_row,
    apply_changes,
    check_all,
    check_area_codes,
    dedupe,
    paginate,
    require_municipality,
    touch_directory,
)
from api.services.contacts import check_external_id
from api.services.workload import open_introduction_counts
from matching import default_vocabulary
from schemas import Area, Contact, Municipality, Unit, UnitCreate, UnitTree, UnitUpdate


def list_units(
    *,
    session: Session,
    paging: Paging,
    municipality_code: str | None,
    parent_id: int | None,
) -> tuple[list[Unit], int]:
    # A unit withdrawn by a directory sync is off the map.
    query = select(Unit).where(Unit.withdrawn_at.is_(None))
    if municipality_code:
        query = query.where(Unit.municipality_code == municipality_code)
    if parent_id is not None:
        query = query.where(Unit.parent_id == parent_id)
    return paginate(session, query, paging, Unit.id)


def _check_parent(
    session: Session, *, unit_id: int | None, parent_id: int, municipality_code: str
) -> None:
    parent = session.get(Unit, parent_id)
    if parent is None or parent.municipality_code != municipality_code:
        raise InvalidInput.field("parentId", f"Unknown unit {parent_id} in {municipality_code}.")
    seen: set[int] = set()
    while parent is not None and parent.id not in seen:
        if parent.id == unit_id:
            raise InvalidInput.field("parentId", "A unit cannot be part of itself.")
        seen.add(parent.id)
        parent = session.get(Unit, parent.parent_id) if parent.parent_id else None


def create_unit(*, session: Session, unit_in: UnitCreate) -> Unit:
    require_municipality(session, unit_in.municipality_code, field="municipalityCode")
    checks = [
        lambda: check_area_codes(
            session,
            unit_in.area_codes,
            municipality_code=unit_in.municipality_code,
            field="areaCodes",
        )
    ]
    if unit_in.parent_id is not None:
        checks.append(
            lambda: _check_parent(
                session,
                unit_id=None,
                parent_id=unit_in.parent_id,
                municipality_code=unit_in.municipality_code,
            )
        )
    check_all(*checks)
    check_external_id(
        session, Unit, unit_in.external_id, municipality_code=unit_in.municipality_code
    )
    data = unit_in.model_dump()
    data["themes"] = dedupe(data["themes"])
    data["area_codes"] = dedupe(data["area_codes"])
    unit = Unit.model_validate(data)
    session.add(unit)
    touch_directory(session, unit.municipality_code, [])  # no contact in it yet
    session.commit()
    return unit


def update_unit(*, session: Session, unit: Unit, unit_in: UnitUpdate) -> Unit:
    changes = unit_in.model_dump(exclude_unset=True)
    checks = []
    if changes.get("parent_id") is not None:
        checks.append(
            lambda: _check_parent(
                session,
                unit_id=unit.id,
                parent_id=changes["parent_id"],
                municipality_code=unit.municipality_code,
            )
        )
    if "area_codes" in changes:
        checks.append(
            lambda: check_area_codes(
                session,
                changes["area_codes"],
                municipality_code=unit.municipality_code,
                field="areaCodes",
            )
        )
    check_all(*checks)
    if "external_id" in changes:
        check_external_id(
            session,
            Unit,
            changes["external_id"],
            municipality_code=unit.municipality_code,
            itself=unit.id,
        )
    if "area_codes" in changes:
        changes["area_codes"] = dedupe(changes["area_codes"])
    if "themes" in changes:
        changes["themes"] = dedupe(changes["themes"])
    apply_changes(unit, changes)
    session.add(unit)
    # Its contacts are read with their unit's name, text, themes and areas.
    members = session.exec(select(Contact.id).where(Contact.unit_id == unit.id)).all()
    touch_directory(session, unit.municipality_code, members)
    session.commit()
    return unit


def delete_unit(*, session: Session, unit: Unit) -> None:
    if any_row(session, Contact, Contact.unit_id == unit.id):
        raise Conflict(f"Unit {unit.id} still has contacts; move or remove them first.")
    if any_row(session, Unit, Unit.parent_id == unit.id):
        raise Conflict(f"Unit {unit.id} still has child units; move or remove them first.")
    session.delete(unit)
    touch_directory(session, unit.municipality_code, [])  # it had no contacts
    session.commit()


def unit_tree(*, session: Session, settings: Settings, municipality_code: str) -> UnitTree:
    """The organisation map of a municipality, nested: five queries whatever its size
    (municipality, units, areas, open contacts, open introductions).

    ``openContacts`` counts the unit's own contacts that could be introduced today: listed
    (consent), available, open to initiatives and with capacityPerMonth above their open
    introductions. Nothing about the people themselves leaves this function.
    """
    municipality = session.get(Municipality, municipality_code)
    if municipality is None:
        raise InvalidInput.field("municipalityCode", f"Unknown municipality {municipality_code}.")
    units = session.exec(
        select(Unit)
        .where(Unit.municipality_code == municipality_code, Unit.withdrawn_at.is_(None))
        .order_by(Unit.id)
    ).all()
    area_names = dict(
        session.exec(
            select(Area.code, Area.name).where(Area.municipality_code == municipality_code)
        ).all()
    )
    # Only the three numbers the count needs: no names or contact details are even read.
    candidates = session.exec(
        select(Contact.id, Contact.unit_id, Contact.capacity_per_month)
        .where(Contact.municipality_code == municipality_code)
        .where(Contact.available)
        .where(Contact.open_to_initiatives)
        .where(Contact.consent_at.is_not(None))
        .where(Contact.withdrawn_at.is_(None))
    ).all()
    taken = open_introduction_counts(
        session, settings=settings, municipality_code=municipality_code
    )
    open_contacts: dict[int, int] = {}
    for contact_id, unit_id, capacity in candidates:
        if capacity > taken.get(contact_id, 0):
            open_contacts[unit_id] = open_contacts.get(unit_id, 0) + 1

    themes = default_vocabulary().themes
    by_id = {unit.id: unit for unit in units}
    children: dict[int | None, list[int]] = {}
    for unit in units:
        # A parent outside this municipality's units cannot exist (checked on write); if it
        # ever did, the unit is shown at the top rather than lost.
        parent = unit.parent_id if unit.parent_id in by_id else None
        children.setdefault(parent, []).append(unit.id)

    def node(unit: Unit, seen: set[int]) -> dict:
        seen.add(unit.id)
        return {
            "id": unit.id,
            "name": unit.name,
            "kind": unit.kind,
            "description": unit.description,
            "themes": [
                {"slug": slug, "label": themes[slug].label if slug in themes else None}
                for slug in unit.themes
            ],
            "areas": [
                {"code": code, "name": area_names.get(code, code)} for code in unit.area_codes
            ],
            "channel": {"email": unit.email, "phone": unit.phone, "url": unit.url},
            "open_contacts": open_contacts.get(unit.id, 0),
            "children": [
                node(by_id[child], seen) for child in children.get(unit.id, []) if child not in seen
            ],
        }

    seen: set[int] = set()
    roots = [node(by_id[unit_id], seen) for unit_id in children.get(None, [])]
    # Units in a parent loop (refused on write, so only in damaged data) still appear.
    roots += [node(unit, seen) for unit in units if unit.id not in seen]
    return UnitTree.model_validate(
        {
            "municipality_code": municipality.code,
            "municipality_name": municipality.name,
            "units": roots,
        }
    )
