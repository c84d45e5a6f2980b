import sqlalchemy as sa
from sqlmodel import Session, select

from api.core.exceptions import Conflict
from api.core.paging import Paging
from api.services.common import any_row, apply_changes, paginate
from schemas import (
    Area,
    DirectoryChange,
    Initiative,
    Municipality,
    MunicipalityCreate,
    MunicipalityUpdate,
    Unit,
)


def list_municipalities(*, session: Session, paging: Paging) -> tuple[list[Municipality], int]:
    return paginate(session, select(Municipality), paging, Municipality.code)


def create_municipality(*, session: Session, municipality_in: MunicipalityCreate) -> Municipality:
    if session.get(Municipality, municipality_in.code) is not None:
        raise Conflict(f"Municipality {municipality_in.code} already exists.")
    municipality = Municipality(code=municipality_in.code, name=municipality_in.name)
    session.add(municipality)
    session.commit()
    return municipality


def update_municipality(
    *, session: Session, municipality: Municipality, municipality_in: MunicipalityUpdate
) -> Municipality:
    apply_changes(municipality, municipality_in.model_dump(exclude_unset=True))
    session.add(municipality)
    session.commit()
    return municipality


def delete_municipality(*, session: Session, municipality: Municipality) -> None:
    for table, noun in ((Area, "areas"), (Unit, "units"), (Initiative, "initiatives")):
        if any_row(session, table, table.municipality_code == municipality.code):
            raise Conflict(f"Municipality {municipality.code} still has {noun}; remove them first.")
    # Its directory's change log goes with it (a new municipality by that code starts anew).
    session.execute(
        sa.delete(DirectoryChange).where(DirectoryChange.municipality_code == municipality.code)
    )
    session.delete(municipality)
    session.commit()
