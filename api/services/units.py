from sqlmodel import Session, select

from api.deps import Paging
from api.errors import Conflict, InvalidInput
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
from schemas import Contact, Unit, UnitCreate, UnitUpdate


def list_units(
    *,
    session: Session,
    paging: Paging,
    municipality_code: str | None,
    parent_id: int | None,
) -> tuple[list[Unit], int]:
    query = select(Unit)
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
    data = unit_in.model_dump()
    data["themes"] = dedupe(data["themes"])
    data["area_codes"] = dedupe(data["area_codes"])
    unit = Unit.model_validate(data)
    session.add(unit)
    touch_directory(session, unit.municipality_code)
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
    if "area_codes" in changes:
        changes["area_codes"] = dedupe(changes["area_codes"])
    if "themes" in changes:
        changes["themes"] = dedupe(changes["themes"])
    apply_changes(unit, changes)
    session.add(unit)
    touch_directory(session, unit.municipality_code)
    session.commit()
    return unit


def delete_unit(*, session: Session, unit: Unit) -> None:
    if any_row(session, Contact, Contact.unit_id == unit.id):
        raise Conflict(f"Unit {unit.id} still has contacts; move or remove them first.")
    if any_row(session, Unit, Unit.parent_id == unit.id):
        raise Conflict(f"Unit {unit.id} still has child units; move or remove them first.")
    session.delete(unit)
    touch_directory(session, unit.municipality_code)
    session.commit()
