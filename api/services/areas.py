from sqlmodel import Session, select

from api.core.exceptions import Conflict, InvalidInput
from api.core.paging import Paging
from api.services.common import (
    any_row,
    apply_changes,
    list_contains,
    paginate,
    require_municipality,
    touch_directory,
)
from schemas import Area, AreaCreate, AreaUpdate, Contact, Initiative, Unit
from schemas.area import area_kind_for


def list_areas(
    *, session: Session, paging: Paging, municipality_code: str | None
) -> tuple[list[Area], int]:
    query = select(Area)
    if municipality_code:
        query = query.where(Area.municipality_code == municipality_code)
    return paginate(session, query, paging, Area.code)


def _check_parent(session: Session, *, code: str, parent_code: str, municipality_code: str) -> None:
    parent = session.get(Area, parent_code)
    if parent is None or parent.municipality_code != municipality_code:
        raise InvalidInput.field(
            "parentCode", f"Unknown area {parent_code} in {municipality_code}."
        )
    # Walk up from the new parent: meeting ourselves would make the hierarchy a loop.
    seen: set[str] = set()
    while parent is not None and parent.code not in seen:
        if parent.code == code:
            raise InvalidInput.field("parentCode", "An area cannot lie within itself.")
        seen.add(parent.code)
        parent = session.get(Area, parent.parent_code) if parent.parent_code else None


def _parent_kind(session: Session, parent_code: str | None) -> str | None:
    parent = session.get(Area, parent_code) if parent_code else None
    return parent.kind if parent is not None else None


def create_area(*, session: Session, area_in: AreaCreate) -> Area:
    require_municipality(session, area_in.municipality_code, field="municipalityCode")
    if session.get(Area, area_in.code) is not None:
        raise Conflict(f"Area {area_in.code} already exists.")
    if area_in.parent_code is not None:
        _check_parent(
            session,
            code=area_in.code,
            parent_code=area_in.parent_code,
            municipality_code=area_in.municipality_code,
        )
    area = Area.model_validate(area_in.model_dump())
    area.kind = area_kind_for(area_in.kind, _parent_kind(session, area_in.parent_code))
    session.add(area)
    touch_directory(session, area.municipality_code)
    session.commit()
    return area


def update_area(*, session: Session, area: Area, area_in: AreaUpdate) -> Area:
    changes = area_in.model_dump(exclude_unset=True)
    if changes.get("parent_code") is not None:
        _check_parent(
            session,
            code=area.code,
            parent_code=changes["parent_code"],
            municipality_code=area.municipality_code,
        )
    if changes.get("kind") is not None:
        parent_code = changes.get("parent_code", area.parent_code)
        changes["kind"] = area_kind_for(changes["kind"], _parent_kind(session, parent_code))
    apply_changes(area, changes)
    session.add(area)
    touch_directory(session, area.municipality_code)
    session.commit()
    return area


def delete_area(*, session: Session, area: Area) -> None:
    in_use = {
        "sub-areas": any_row(session, Area, Area.parent_code == area.code),
        "units": any_row(session, Unit, list_contains(session, Unit.area_codes, area.code)),
        "contacts": any_row(
            session, Contact, list_contains(session, Contact.area_codes, area.code)
        ),
        "initiatives": any_row(
            session, Initiative, list_contains(session, Initiative.area_codes, area.code)
        ),
    }
    users = [noun for noun, used in in_use.items() if used]
    if users:
        raise Conflict(f"Area {area.code} is still used by {', '.join(users)}.")
    session.delete(area)
    touch_directory(session, area.municipality_code)
    session.commit()
