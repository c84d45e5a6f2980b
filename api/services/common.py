"""Helpers the noun services share: paging, list filters, reference checks."""

import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Session, func, select

from api.core.exceptions import InvalidInput
from api.core.identity import Principal
from api.core.paging import Paging
from schemas import Area, Contact, DirectoryChange, Municipality
from schemas.base import InvalidParam

RowT = TypeVar("RowT")


def list_contains(session: Session, column: Any, value: str | int) -> sa.ColumnElement[bool]:
    """``value`` is an element of the JSON list in ``column``, in each dialect's own terms."""
    if session.get_bind().dialect.name == "postgresql":
        return column.op("@>")(sa.cast(sa.literal(json.dumps([value])), JSONB))
    elements = sa.func.json_each(column).table_valued("value")
    return sa.exists(sa.select(1).select_from(elements).where(elements.c.value == value))


def confined(query: sa.Select, table: Any, principal: Principal) -> sa.Select:
    """Only rows of the municipalities the caller acts for (all, for a national admin and for
    callers whose reach is decided otherwise)."""
    if principal.municipality_codes is None:
        return query
    return query.where(table.municipality_code.in_(sorted(principal.municipality_codes)))


def within(session: Session, column: Any, codes: Iterable[str]) -> sa.ColumnElement[bool]:
    """The JSON list in ``column`` is not empty and every element of it is one of ``codes``,
    in each dialect's own terms (a subscription or key acting for those municipalities only)."""
    codes = sorted(codes)
    if session.get_bind().dialect.name == "postgresql":
        return sa.and_(
            column != sa.cast(sa.literal("[]"), JSONB),
            column.op("<@")(sa.cast(sa.literal(json.dumps(codes)), JSONB)),
        )
    elements = sa.func.json_each(column).table_valued("value")
    return sa.and_(
        sa.func.json_array_length(column) > 0,
        ~sa.exists(sa.select(1).select_from(elements).where(elements.c.value.not_in(codes))),
    )


def like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def paginate(
    session: Session, query: sa.Select, paging: Paging, *order_by: Any
) -> tuple[Sequence[Any], int]:
    total = session.exec(select(func.count()).select_from(query.order_by(None).subquery())).one()
    rows = session.exec(
        query.order_by(*order_by).offset(paging.offset).limit(paging.page_size)
    ).all()
    return rows, total


def require_municipality(session: Session, code: str, *, field: str) -> None:
    if session.get(Municipality, code) is None:
        raise InvalidInput.field(field, f"Unknown municipality {code}.")


def check_area_codes(
    session: Session, codes: Iterable[str], *, municipality_code: str, field: str
) -> None:
    """Every code names an area of this municipality; each bad one is reported by index."""
    codes = list(codes)
    if not codes:
        return
    known = set(
        session.exec(
            select(Area.code).where(
                Area.code.in_(set(codes)), Area.municipality_code == municipality_code
            )
        ).all()
    )
    problems = [
        InvalidParam(
            name=f"{field}[{index}]", reason=f"Unknown area {code} in {municipality_code}."
        )
        for index, code in enumerate(codes)
        if code not in known
    ]
    if problems:
        raise InvalidInput(problems)


def check_contact_ids(
    session: Session,
    ids: Iterable[int],
    *,
    municipality_code: str,
    field: str,
    itself: int | None = None,
) -> None:
    """Every id names a contact of this municipality (and not ``itself``, the contact whose
    list this is); each bad one is reported by index."""
    ids = list(ids)
    if not ids:
        return
    known = set(
        session.exec(
            select(Contact.id).where(
                Contact.id.in_(set(ids)),
                Contact.municipality_code == municipality_code,
                Contact.erased_at.is_(None),
            )
        ).all()
    )
    problems = [
        InvalidParam(
            name=f"{field}[{index}]",
            reason="A contact cannot list themself."
            if other == itself
            else f"Unknown contact {other} in {municipality_code}.",
        )
        for index, other in enumerate(ids)
        if other == itself or other not in known
    ]
    if problems:
        raise InvalidInput(problems)


def check_all(*checks: Callable[[], object]) -> None:
    """Run every check and report all their problems at once, not just the first one's."""
    problems: list[InvalidParam] = []
    for check in checks:
        try:
            check()
        except InvalidInput as exc:
            problems.extend(exc.invalid_params)
    if problems:
        raise InvalidInput(problems)


def dedupe(values: Iterable[RowT]) -> list[RowT]:
    """Keep the first of each value, in order: lists on the wire are sets to the domain."""
    return list(dict.fromkeys(values))


def any_row(session: Session, table: Any, *criteria: Any) -> bool:
    """Does any row of ``table`` satisfy the criteria? (One cheap EXISTS query.)"""
    return bool(
        session.exec(select(sa.exists(sa.select(1).select_from(table).where(*criteria)))).one()
    )


def apply_changes(row: Any, changes: dict[str, Any]) -> None:
    for field, value in changes.items():
        setattr(row, field, value)


# Changes kept per municipality: a process whose index is further behind rebuilds it.
KEPT_DIRECTORY_CHANGES = 20_000


def touch_directory(
    session: Session, municipality_code: str, contact_ids: Iterable[int] | None = None
) -> None:
    """Record that what the matcher sees changed for this municipality: raise its
    ``directory_version`` and say what changed (``DirectoryChange``): these contacts, or,
    with ``contact_ids=None``, anything (the index is rebuilt). Part of the caller's
    transaction; the version's row lock orders concurrent writers on PostgreSQL."""
    version = session.execute(
        sa.update(Municipality)
        .where(Municipality.code == municipality_code)
        .values(directory_version=Municipality.directory_version + 1)
        .returning(Municipality.directory_version)
    ).scalar_one_or_none()
    if version is None:  # the municipality itself is gone (or not there yet)
        return
    ids = None if contact_ids is None else sorted(set(contact_ids))
    if ids is None:
        rows = [{"contact_id": None, "rebuild": True}]
    else:
        # No contact changed (a new unit, say): still a row, so the steps stay contiguous.
        rows = [{"contact_id": i, "rebuild": False} for i in ids] or [
            {"contact_id": None, "rebuild": False}
        ]
    session.execute(
        sa.insert(DirectoryChange),
        [{"municipality_code": municipality_code, "version": version, **row} for row in rows],
    )
    if version % 500 == 0:
        session.execute(
            sa.delete(DirectoryChange).where(
                DirectoryChange.municipality_code == municipality_code,
                DirectoryChange.version <= version - KEPT_DIRECTORY_CHANGES,
            )
        )
