"""The match path's SQL: the listed contacts as the engine's profiles, the rows a card shows,
and the small statements every match runs (built once: building a statement costs more than
running it; executed on the connection: the ORM layer would double their cost)."""

import json
from datetime import UTC, datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy import bindparam
from sqlalchemy.orm import aliased
from sqlmodel import Session, func, select

from matching import ContactProfile, UnitProfile
from matching.documents import Shared, contact_profile, unit_profile
from schemas import (
    Contact,
    Initiative,
    Introduction,
    IntroductionStatus,
    MatchOverride,
    Municipality,
    Unit,
)
from schemas.introduction import OPEN_STATUSES

# Contacts are read for the index in batches of this many rows (bounded memory at 200k).
READ_BATCH = 2000


def _state_columns(dialect: str, code: Any) -> tuple[Any, ...]:
    """The stamp of the municipality's outcomes (how many, the newest: whether the track
    records held are current) and its open introductions per contact, recent ones (for
    capacity, as in api.services.workload.open_introduction_counts) as one JSON object
    (contact id -> count) in each database's own words; ``code`` is the municipality's code
    as SQL (a parameter, or a subquery)."""
    completed = (
        select(Introduction.id)
        .join(Initiative, Initiative.id == Introduction.initiative_id)
        .where(Initiative.municipality_code == code)
        .where(Introduction.status == IntroductionStatus.completed)
        .where(Introduction.outcome.is_not(None))
        .subquery()
    )
    open_now = (
        select(Introduction.contact_id.label("contact_id"), func.count().label("open"))
        .join(Contact, Contact.id == Introduction.contact_id)
        .where(Introduction.status.in_(OPEN_STATUSES))
        .where(Introduction.created_at >= bindparam("since"))
        .where(Contact.municipality_code == code)
        .group_by(Introduction.contact_id)
        .subquery()
    )
    as_json = {
        "sqlite": func.json_group_object(open_now.c.contact_id, open_now.c.open),
        "postgresql": sa.cast(
            func.json_object_agg(open_now.c.contact_id, open_now.c.open), sa.Text
        ),
    }[dialect]
    return (
        select(func.count()).select_from(completed).scalar_subquery(),
        select(func.max(completed.c.id)).scalar_subquery(),
        select(as_json).scalar_subquery(),
    )


DIALECTS = ("sqlite", "postgresql")
# A municipality's state, in one round trip: its directory's version, then _state_columns.
STATE = {
    dialect: select(
        Municipality.directory_version, *_state_columns(dialect, bindparam("code"))
    ).where(Municipality.code == bindparam("code"))
    for dialect in DIALECTS
}


def _standing_overrides_json(dialect: str) -> Any:
    """The initiative's standing match overrides as a JSON array of [id, contact id, action]."""
    entry = {
        "sqlite": func.json_group_array(
            func.json_array(MatchOverride.id, MatchOverride.contact_id, MatchOverride.action)
        ),
        "postgresql": sa.cast(
            func.json_agg(
                func.json_build_array(
                    MatchOverride.id, MatchOverride.contact_id, MatchOverride.action
                )
            ),
            sa.Text,
        ),
    }[dialect]
    return (
        select(entry)
        .where(MatchOverride.initiative_id == bindparam("id"))
        .where(MatchOverride.ended_at.is_(None))
        .scalar_subquery()
    )


def _initiative_state(dialect: str) -> Any:
    """An initiative (as the ORM's object), its municipality's state and its standing
    overrides, in one round trip (issue 15: at most one per match)."""
    asked = aliased(Initiative)
    code = select(asked.municipality_code).where(asked.id == bindparam("id")).scalar_subquery()
    return (
        select(
            Initiative,
            Municipality.directory_version,
            *_state_columns(dialect, code),
            _standing_overrides_json(dialect),
        )
        .join(Municipality, Municipality.code == Initiative.municipality_code)
        .where(Initiative.id == bindparam("id"))
    )


INITIATIVE_STATE = {dialect: _initiative_state(dialect) for dialect in DIALECTS}


class State(NamedTuple):
    version: int
    outcomes: tuple[int, int | None]
    # Open introductions per contact id; None when not read (see directory_state).
    open_introductions: dict[int, int] | None


def directory_state(
    session: Session, municipality_code: str, *, since: datetime | None = None
) -> State | None:
    """What a match needs to know besides the index, in one query; None for an unknown
    municipality. ``since``: count open introductions made since then (else not read)."""
    connection = session.connection()
    statement = STATE[connection.dialect.name]
    # Far in the future: the subquery counts nothing and costs next to nothing.
    parameters = {"code": municipality_code, "since": since or NEVER}
    row = connection.execute(statement, parameters).one_or_none()
    return None if row is None else _state_of(row, since)


def _state_of(row: Any, since: datetime | None) -> State:
    counts = {int(k): v for k, v in json.loads(row[3]).items()} if row[3] else {}
    return State(row[0], (row[1], row[2]), counts if since is not None else None)


class StandingOverride(NamedTuple):
    id: int
    contact_id: int
    action: str


class InitiativeState(NamedTuple):
    """An initiative with what matching it needs from the database besides the index."""

    initiative: Initiative
    state: State
    overrides: list[StandingOverride]


def initiative_state(
    session: Session, initiative_id: int, *, since: datetime
) -> InitiativeState | None:
    """The initiative, its municipality's state (open introductions since ``since``) and its
    standing match overrides, oldest first (``match_overrides.standing_overrides``): one
    query. None when there is no such initiative."""
    statement = INITIATIVE_STATE[session.connection().dialect.name]
    row = session.exec(statement, params={"id": initiative_id, "since": since}).one_or_none()
    if row is None:
        return None
    overrides = sorted(StandingOverride(*entry) for entry in json.loads(row[5] or "[]"))
    return InitiativeState(row[0], _state_of(row[1:5], since), overrides)


NEVER = datetime(9999, 1, 1, tzinfo=UTC)


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
