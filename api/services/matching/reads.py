"""The match path's SQL: the listed contacts as the engine's profiles, the rows a card shows,
and the small statements every match runs (built once: building a statement costs more than
running it; executed on the connection: the ORM layer would double their cost)."""

import json
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy import bindparam
from sqlmodel import Session, func, select

from matching import ContactProfile, UnitProfile
from matching.documents import Shared, contact_profile, unit_profile
from schemas import Contact, Initiative, Introduction, IntroductionStatus, Municipality, Unit

# Contacts are read for the index in batches of this many rows (bounded memory at 200k).
READ_BATCH = 2000

_COMPLETED = (
    select(Introduction.id)
    .join(Initiative, Initiative.id == Introduction.initiative_id)
    .where(Initiative.municipality_code == bindparam("code"))
    .where(Introduction.status == IntroductionStatus.completed)
    .where(Introduction.outcome.is_not(None))
    .subquery()
)
# In one round trip: the directory's version and the stamp of its outcomes (how many, the
# newest), which say whether the index and the track records held are current.
STATE = select(
    Municipality.directory_version,
    select(func.count()).select_from(_COMPLETED).scalar_subquery(),
    select(func.max(_COMPLETED.c.id)).scalar_subquery(),
).where(Municipality.code == bindparam("code"))


class State(NamedTuple):
    version: int
    outcomes: tuple[int, int | None]


CARD_COLUMNS = (
    Contact.id,
    Contact.name,
    Contact.job_title,
    Contact.unit_id,
    Contact.public_profile,
    Contact.available,
    Contact.consent_at,
    Contact.municipality_code,
    Contact.withdrawn_at,
)
CARDS = select(*CARD_COLUMNS).where(Contact.id.in_(bindparam("ids", expanding=True)))
CARD_UNITS = select(Unit.id, Unit.name, Unit.kind).where(
    Unit.id.in_(bindparam("ids", expanding=True))
)

_PROFILE_COLUMNS = (
    Contact.id,
    Contact.unit_id,
    Contact.job_title,
    Contact.expertise,
    Contact.open_to_initiatives,
    Contact.capacity_per_month,
    # The JSON columns as their text, parsed a batch at a time (below): one json.loads per
    # value was most of the time it took to read 200,000 contacts.
    sa.cast(Contact.themes, sa.Text),
    sa.cast(Contact.area_codes, sa.Text),
    sa.cast(Contact.networks, sa.Text),
    sa.cast(Contact.knows, sa.Text),
    sa.cast(Contact.languages, sa.Text),
    # Not the engine's: what a card shows besides the profile, held with the index.
    Contact.name,
    Contact.public_profile,
)


class Listed(NamedTuple):
    """A listed contact: the engine's profile, and the rest of what its card shows."""

    profile: ContactProfile
    name: str
    public_profile: bool


def directory_state(session: Session, municipality_code: str) -> State | None:
    """None for an unknown municipality."""
    row = session.connection().execute(STATE, {"code": municipality_code}).one_or_none()
    return None if row is None else State(row[0], (row[1], row[2]))


def unit_record(unit: Unit) -> UnitProfile:
    return unit_profile(
        {
            "name": unit.name,
            "kind": unit.kind,
            "description": unit.description,
            "themes": unit.themes,
            "areaCodes": unit.area_codes,
        },
        key=str(unit.id),
    )


def listed_profiles(session: Session, municipality_code: str, *criteria: Any) -> dict[int, Listed]:
    """The engine's view of the contacts that may be matched (available, consenting, in this
    municipality) among those meeting ``criteria``, by id: plain columns, streamed in batches,
    no ORM objects (a 200,000-contact build would otherwise hold them all)."""
    units: dict[int, UnitProfile] = {}

    def unit_of(unit_id: int) -> UnitProfile:
        if unit_id not in units:
            units[unit_id] = unit_record(session.get(Unit, unit_id))
        return units[unit_id]

    if not criteria:  # the whole municipality: its units in one query
        units = {
            unit.id: unit_record(unit)
            for unit in session.exec(
                select(Unit).where(Unit.municipality_code == municipality_code)
            )
        }
    # yield_per for this statement only: set on the connection it would stay for the rest
    # of the transaction (on PostgreSQL, a server-side cursor for every later statement).
    result = session.connection().execute(
        select(*_PROFILE_COLUMNS)
        .where(Contact.municipality_code == municipality_code)
        .where(Contact.available)
        .where(Contact.consent_at.is_not(None))
        .where(Contact.withdrawn_at.is_(None))
        .where(*criteria)
        .order_by(Contact.id),
        execution_options={"yield_per": READ_BATCH},
    )
    profiles: dict[int, Listed] = {}
    shared = Shared()
    for batch in result.partitions():
        # Each row's five JSON texts as one array, the batch as one document: one parse.
        lists = json.loads(
            "[" + ",".join(f"[{r[6]},{r[7]},{r[8]},{r[9]},{r[10]}]" for r in batch) + "]"
        )
        for row, (themes, area_codes, networks, knows, languages) in zip(batch, lists, strict=True):
            profile = contact_profile(
                {
                    "jobTitle": row[2],
                    "expertise": row[3],
                    "openToInitiatives": row[4],
                    "capacityPerMonth": row[5],
                    "themes": themes,
                    "areaCodes": area_codes,
                    "networks": networks,
                    "knows": knows,
                    "languages": languages,
                },
                unit_of(row[1]),
                key=str(row[0]),
                shared=shared,
            )
            profiles[row[0]] = Listed(profile, row[11], bool(row[12]))
    return profiles


def card_rows(session: Session, ids: set[int]) -> tuple[dict[int, Any], dict[int, Any]]:
    """The rows the cards of ``ids`` show, and their units: two small queries."""
    connection = session.connection()
    contacts = {row.id: row for row in connection.execute(CARDS, {"ids": sorted(ids)})}
    unit_ids = sorted({c.unit_id for c in contacts.values()})
    units = {row.id: row for row in connection.execute(CARD_UNITS, {"ids": unit_ids})}
    return contacts, units
