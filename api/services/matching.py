"""Turns rows into the engine's inputs and its keys back into ids; keeps one prepared
directory per municipality in this process, brought up to date when ``directory_version``
moves (see ``directory_for``)."""

import json
import logging
import threading
from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Engine, bindparam
from sqlmodel import Session, func, select

from api.core.exceptions import InvalidInput
from api.core.identity import Principal
from api.core.metrics import observe_index_build, observe_index_update, timed_match
from api.core.settings import Settings
from api.services.match_overrides import standing_overrides
from api.services.workload import open_introduction_counts
from matching import (
    AreaProfile,
    ContactProfile,
    Directory,
    InitiativeProfile,
    Match,
    Need,
    NetworkLink,
    Reason,
    TrackRecord,
    UnitProfile,
    Weights,
    default_vocabulary,
    rank,
    rank_initiatives,
    understand,
)
from matching.index import long_lived_objects
from matching.rank import NO_RECORD, score_all, score_contact, with_warm_paths
from matching.vocabulary import Vocabulary
from schemas import (
    Area,
    Contact,
    ContactInitiatives,
    DirectoryChange,
    Initiative,
    InitiativeMatchItem,
    InitiativeSummary,
    Introduction,
    IntroductionStatus,
    MatchItem,
    MatchRequest,
    MatchResult,
    MatchUnderstanding,
    Municipality,
    Outcome,
    OverrideAction,
    ThemeTerm,
    Unit,
)

log = logging.getLogger(__name__)
# This process's index per municipality: (the directory_version it reflects, directory).
_directories: dict[str, tuple[int, Directory]] = {}
# One writer per municipality's index (building or catching up); readers never wait for a
# catch-up when they hold an index already.
_index_locks: dict[str, threading.Lock] = {}
_index_locks_guard = threading.Lock()
# More changed contacts than this share of the directory (and than MIN_REBUILD_CHANGES): build
# anew, so the analyzer's lexicon learns the new words, instead of patching.
REBUILD_SHARE = 0.25
MIN_REBUILD_CHANGES = 50
# Contacts are read for the index in batches of this many rows (bounded memory at 200k).
READ_BATCH = 2000
# Outcomes per municipality, rebuilt only when its completed introductions or its directory
# change: (directory, completed count, newest id) -> contact key -> record.
_track_records: dict[str, tuple[Directory, tuple[int, int | None], dict[str, TrackRecord]]] = {}
# (helpful, not helpful) per outcome. A no-show is half a failure: we do not know which side
# did not show up.
OUTCOME_EVIDENCE = {
    Outcome.helpful: (1.0, 0.0),
    Outcome.not_helpful: (0.0, 1.0),
    Outcome.no_show: (0.0, 0.5),
}


def vocabulary_for(session: Session, municipality_code: str) -> Vocabulary:
    extra: dict[str, list[str]] = {}
    for row in session.exec(
        select(ThemeTerm).where(ThemeTerm.municipality_code == municipality_code)
    ).all():
        extra.setdefault(row.theme, []).append(row.term)
    base = default_vocabulary()
    return base.with_extra_terms(extra) if extra else base


def directory_for(session: Session, municipality_code: str) -> Directory:
    """The prepared directory of a municipality, current with the database.

    One small query when this process's index is current. Behind, it applies the directory
    changes written since (``DirectoryChange``: re-reads just the contacts that changed), or
    builds the index anew when the changes are many, need it (areas, theme terms) or are no
    longer all in the log. While one request brings the index up to date, others for the same
    municipality answer from the index as it is (their contacts are checked against the
    database again before they are shown, see ``_present``); only a first build is waited for.
    """
    version = session.connection().execute(_VERSION, {"code": municipality_code}).scalar()
    if version is None:
        raise InvalidInput.field("municipalityCode", f"Unknown municipality {municipality_code}.")
    held = _directories.get(municipality_code)
    if held is not None and held[0] == version:
        return held[1]
    lock = _index_lock(municipality_code)
    if not lock.acquire(blocking=held is None):
        return held[1]
    try:
        held = _directories.get(municipality_code)
        if held is not None and held[0] == version:
            return held[1]
        if held is not None and (caught_up := _catch_up(session, municipality_code, *held)):
            _directories[municipality_code] = (caught_up, held[1])
            return held[1]
        directory = _build_directory(session, municipality_code)
        _directories[municipality_code] = (version, directory)
        return directory
    finally:
        lock.release()


def warm_up(engine: Engine) -> None:
    """Build the index of every municipality in this process (at start-up, in a thread; a
    failure is logged and leaves that index to be built on its first match)."""
    try:
        with Session(engine) as session:
            codes = session.exec(select(Municipality.code).order_by(Municipality.code)).all()
    except Exception:
        log.exception("Could not list the municipalities to build their matching indexes.")
        return
    for code in codes:
        try:
            with Session(engine) as session:
                directory_for(session, code)
        except Exception:
            log.exception("Could not build the matching index of %s at start-up.", code)


def _index_lock(municipality_code: str) -> threading.Lock:
    with _index_locks_guard:
        return _index_locks.setdefault(municipality_code, threading.Lock())


def loaded_directories() -> dict[str, tuple[int, Directory]]:
    """What this process holds: municipality code -> (directory version, directory)."""
    return dict(_directories)


def _catch_up(
    session: Session, municipality_code: str, version: int, directory: Directory
) -> int | None:
    """Apply the changes after ``version`` to ``directory``; the version reached, or None when
    only a new build will do (a rebuild asked for, too many changes, or a gap in the log)."""
    changes = session.exec(
        select(DirectoryChange.version, DirectoryChange.contact_id, DirectoryChange.rebuild)
        .where(DirectoryChange.municipality_code == municipality_code)
        .where(DirectoryChange.version > version)
    ).all()
    steps = {change.version for change in changes}
    # Versions are given out one by one under the municipality's row lock, so every step up to
    # the newest is there unless the log was pruned past us (or predates the log).
    if not steps or len(steps) != max(steps) - version:
        return None
    if any(change.rebuild for change in changes):
        return None
    ids = sorted({change.contact_id for change in changes if change.contact_id is not None})
    if len(ids) > max(MIN_REBUILD_CHANGES, REBUILD_SHARE * directory.size):
        return None
    profiles = {}
    for start in range(0, len(ids), READ_BATCH):
        batch = ids[start : start + READ_BATCH]
        profiles.update(_listed_profiles(session, municipality_code, Contact.id.in_(batch)))
    with directory.lock:
        for contact_id in ids:
            if contact_id in profiles:
                directory.upsert(profiles[contact_id])
            else:  # removed, unlisted, or moved to another municipality
                directory.remove(str(contact_id))
    observe_index_update(municipality_code, directory, len(ids))
    return max(steps)


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
)


def _listed_profiles(
    session: Session, municipality_code: str, *criteria: Any
) -> dict[int, ContactProfile]:
    """The engine's view of the contacts that may be matched (available, consenting, in this
    municipality) among those meeting ``criteria``, by id: plain columns, streamed in batches,
    no ORM objects (a 200,000-contact build would otherwise hold them all)."""
    units: dict[int, UnitProfile] = {}

    def unit_profile(unit_id: int) -> UnitProfile:
        if unit_id not in units:
            unit = session.get(Unit, unit_id)
            units[unit_id] = _unit_profile(unit)
        return units[unit_id]

    if not criteria:  # the whole municipality: its units in one query
        units = {
            unit.id: _unit_profile(unit)
            for unit in session.exec(
                select(Unit).where(Unit.municipality_code == municipality_code)
            )
        }
    result = (
        session.connection()
        .execution_options(yield_per=READ_BATCH)
        .execute(
            select(*_PROFILE_COLUMNS)
            .where(Contact.municipality_code == municipality_code)
            .where(Contact.available)
            .where(Contact.consent_at.is_not(None))
            .where(Contact.withdrawn_at.is_(None))
            .where(*criteria)
            .order_by(Contact.id)
        )
    )
    profiles: dict[int, ContactProfile] = {}
    # Colleagues name the same organisations and share job titles: one object each, not one
    # per contact (at 200,000 contacts that is a good part of the index's memory).
    links: dict[tuple[str, str], NetworkLink] = {}
    titles: dict[str, str] = {}

    def link(network: dict) -> NetworkLink:
        key = (network["name"], network["kind"])
        found = links.get(key)
        if found is None:
            found = links[key] = NetworkLink(*key)
        return found

    for batch in result.partitions():
        # Each row's five JSON texts as one array, the batch as one document: one parse.
        lists = json.loads(
            "[" + ",".join(f"[{r[6]},{r[7]},{r[8]},{r[9]},{r[10]}]" for r in batch) + "]"
        )
        for row, (themes, area_codes, networks, knows, languages) in zip(batch, lists, strict=True):
            profiles[row[0]] = ContactProfile(
                key=str(row[0]),
                job_title=titles.setdefault(row[2], row[2]),
                unit=unit_profile(row[1]),
                themes=tuple(themes),
                area_codes=tuple(area_codes),
                expertise=row[3],
                networks=tuple(link(n) for n in networks),
                open_to_initiatives=bool(row[4]),
                capacity_per_month=row[5],
                knows=tuple(str(k) for k in knows),
                languages=tuple(languages),
            )
    return profiles


def _unit_profile(unit: Unit) -> UnitProfile:
    return UnitProfile(
        key=str(unit.id),
        name=unit.name,
        kind=unit.kind,
        description=unit.description,
        themes=tuple(unit.themes),
        area_codes=tuple(unit.area_codes),
    )


@observe_index_build
def _build_directory(session: Session, municipality_code: str) -> Directory:
    areas = session.exec(select(Area).where(Area.municipality_code == municipality_code)).all()
    municipality = session.get(Municipality, municipality_code)
    with long_lived_objects():  # the rows read become the directory's profiles
        profiles = _listed_profiles(session, municipality_code)
        return Directory.build(
            profiles.values(),
            [AreaProfile(a.code, a.name, a.parent_code, tuple(a.aliases)) for a in areas],
            vocabulary_for(session, municipality_code),
            # "gemeente Dijkland", "in Amsterdam": the municipality's own name places nobody.
            place_names=[municipality.name] if municipality else [],
        )


def track_records(
    session: Session, directory: Directory, municipality_code: str
) -> dict[str, TrackRecord]:
    """What completed introductions taught about each contact, overall and per theme (the
    themes of the initiative each introduction was for, as the engine reads them)."""
    completed = (
        select(Introduction, Initiative)
        .join(Initiative, Initiative.id == Introduction.initiative_id)
        .where(Initiative.municipality_code == municipality_code)
        .where(Introduction.status == IntroductionStatus.completed)
        .where(Introduction.outcome.is_not(None))
    )
    stamp = tuple(session.connection().execute(_OUTCOMES_STAMP, {"code": municipality_code}).one())
    cached = _track_records.get(municipality_code)
    if cached is not None and cached[0] is directory and cached[1] == stamp:
        return cached[2]
    totals: dict[str, list[float]] = {}
    per_theme: dict[str, dict[str, list[float]]] = {}
    themes_of: dict[int, dict[str, float]] = {}
    for introduction, initiative in session.exec(completed).all():
        good, bad = OUTCOME_EVIDENCE[Outcome(introduction.outcome)]
        key = str(introduction.contact_id)
        total = totals.setdefault(key, [0.0, 0.0])
        total[0] += good
        total[1] += bad
        if initiative.id not in themes_of:
            themes_of[initiative.id] = directory.analyse_initiative(
                initiative_profile(initiative)
            ).themes
        for theme, weight in themes_of[initiative.id].items():
            counts = per_theme.setdefault(key, {}).setdefault(theme, [0.0, 0.0])
            counts[0] += weight * good
            counts[1] += weight * bad
    records = {
        key: TrackRecord(
            helpful=good,
            not_helpful=bad,
            by_theme={t: (c[0], c[1]) for t, c in per_theme.get(key, {}).items()},
        )
        for key, (good, bad) in totals.items()
    }
    _track_records[municipality_code] = (directory, stamp, records)
    return records


def initiative_profile(initiative: Initiative) -> InitiativeProfile:
    return InitiativeProfile(
        text=" ".join(
            [initiative.title, initiative.description, initiative.problem, initiative.target_group]
        ),
        themes=tuple(initiative.themes),
        area_codes=tuple(initiative.area_codes),
        needs=tuple(Need(n["kind"], n.get("description", "")) for n in initiative.needs),
        stage=initiative.stage,
    )


_CARD_COLUMNS = (
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


# The statements every match runs, built once (building a statement costs more than running
# it) and executed on the connection (the ORM layer would double their cost).
_VERSION = select(Municipality.directory_version).where(Municipality.code == bindparam("code"))
_OUTCOMES_STAMP = (
    select(func.count(), func.max(Introduction.id))
    .join(Initiative, Initiative.id == Introduction.initiative_id)
    .where(Initiative.municipality_code == bindparam("code"))
    .where(Introduction.status == IntroductionStatus.completed)
    .where(Introduction.outcome.is_not(None))
)
_CARDS = select(*_CARD_COLUMNS).where(Contact.id.in_(bindparam("ids", expanding=True)))
_CARD_UNITS = select(Unit.id, Unit.name, Unit.kind).where(
    Unit.id.in_(bindparam("ids", expanding=True))
)


def _matchable(contact: Any, municipality_code: str) -> bool:
    return (
        contact.available
        and contact.consent_at is not None
        and contact.withdrawn_at is None
        and contact.municipality_code == municipality_code
    )


def _present(
    session: Session,
    matches: Sequence[Match],
    principal: Principal,
    municipality_code: str,
    excluded: Collection[str] = (),
) -> list[MatchItem]:
    """Match keys back to contacts, fetched in one query; names only where allowed and
    never any contact details. ``excluded`` contacts (a broker's override) are no link of a
    warm path either."""
    ids = {int(key) for m in matches for key in (m.key, *m.introduce_via)}
    # Just the columns a card and the check need, as plain rows (no ORM objects: this runs on
    # every match).
    contacts = {row.id: row for row in session.connection().execute(_CARDS, {"ids": sorted(ids)})}
    units = {
        row.id: row
        for row in session.connection().execute(
            _CARD_UNITS, {"ids": sorted({c.unit_id for c in contacts.values()})}
        )
    }
    # Checked again on the rows just read: someone removed, made unavailable, without consent
    # or moved elsewhere since the index was built is left out, and the ranks stay 1..n.
    present = [
        (m, contacts[int(m.key)])
        for m in matches
        if int(m.key) in contacts and _matchable(contacts[int(m.key)], municipality_code)
    ]

    def card(contact: Any) -> dict:
        unit = units[contact.unit_id]
        shows_name = (
            contact.public_profile or principal.is_staff or principal.is_contact(contact.id)
        )
        return {
            "id": contact.id,
            "name": contact.name if shows_name else None,
            "job_title": contact.job_title,
            "unit": {"id": unit.id, "name": unit.name, "kind": unit.kind},
        }

    def chain(match: Match) -> list[dict]:
        # A chain with a link that is no longer listable (or excluded) is no chain at all.
        if any(key in excluded for key in match.introduce_via):
            return []
        people = [contacts.get(int(key)) for key in match.introduce_via]
        if not all(p is not None and _matchable(p, municipality_code) for p in people):
            return []
        return [card(p) for p in people]

    return [
        MatchItem.model_validate(
            {
                "rank": position,
                "score": match.score,
                "contact": card(contact),
                "reasons": [r.__dict__ for r in match.reasons],
                "needs_covered": list(match.needs_covered),
                "matched_terms": list(match.matched_terms),
                "introduce_via": chain(match),
            }
        )
        for position, (match, contact) in enumerate(present, start=1)
    ]


def capacity_left(
    session: Session, directory: Directory, municipality_code: str, settings: Settings
) -> dict[str, int]:
    """Free slots of contacts that have open introductions (the others have their full
    capacityPerMonth), for the engine's capacity signal."""
    counts = open_introduction_counts(
        session, settings=settings, municipality_code=municipality_code
    )
    left = {}
    for contact_id, count in counts.items():
        features = directory.contact(str(contact_id))
        if features is not None:
            left[str(contact_id)] = max(0, features.profile.capacity_per_month - count)
    return left


# The first reason of a contact a broker pinned for the initiative (a match override).
PINNED = Reason("pinned", 1.0, 0.0, "Aanbevolen door de gemeente.")


@timed_match("initiative")
def match_initiative(
    *,
    session: Session,
    initiative: Initiative,
    principal: Principal,
    settings: Settings,
    limit: int,
) -> MatchResult:
    directory = directory_for(session, initiative.municipality_code)
    code = initiative.municipality_code
    profile = initiative_profile(initiative)
    overrides = standing_overrides(session, initiative.id)
    pinned = [str(o.contact_id) for o in overrides if o.action == OverrideAction.pin]
    excluded = {str(o.contact_id) for o in overrides if o.action == OverrideAction.exclude}
    weights = settings.matching.weights()
    with directory.lock:
        understood = _understood(profile, directory)
        capacity = capacity_left(session, directory, code, settings)
        records = track_records(session, directory, code)
        known = [str(k) for k in initiative.known_contact_ids]
        matches = rank(
            profile,
            directory,
            weights=weights,
            # Room for the people the overrides take out or move up.
            limit=limit + len(pinned) + len(excluded),
            capacity_left=capacity,
            track_records=records,
            known=known,
        )
        if overrides:
            matches = _steered(
                matches,
                pinned=pinned,
                excluded=excluded,
                score_one=lambda key: _scored(
                    key, profile, directory, weights, capacity, records, known
                ),
            )
    return MatchResult(
        initiative_id=initiative.id,
        items=_present(session, matches[:limit], principal, code, excluded=excluded),
        understood=understood,
    )


def _steered(
    matches: Sequence[Match],
    *,
    pinned: Sequence[str],
    excluded: Collection[str],
    score_one: Any,
) -> list[Match]:
    """A broker's overrides around the engine's ranking: pinned contacts first (in the order
    they were pinned), each with the reason "Aanbevolen door de gemeente." and their own
    score and reasons; excluded ones out. A pinned contact the engine did not rank this high
    is scored on its own; one it cannot match at all now (unavailable, without consent) is
    left out until it can be."""
    found = {match.key: match for match in matches}
    first = []
    for key in pinned:
        match = found.get(key) or score_one(key)
        if match is not None:
            first.append(replace(match, reasons=(PINNED, *match.reasons)))
    taken = set(pinned) | set(excluded)
    return first + [match for match in matches if match.key not in taken]


def _scored(
    key: str,
    profile: InitiativeProfile,
    directory: Directory,
    weights: Weights,
    capacity: Mapping[str, int],
    records: Mapping[str, TrackRecord],
    known: Sequence[str],
) -> Match | None:
    """One contact's match for the initiative as ``rank`` would score and explain it (its
    score against the whole directory), with a warm path where one helps; None when the
    index does not hold them (not listed)."""
    contact = directory.contact(key)
    if contact is None:
        return None
    query = directory.analyse_initiative(profile)
    scored = score_all(
        query, directory, weights=weights, capacity_left=capacity, track_records=records
    )
    slot = directory.position[key]
    match = score_contact(
        query,
        contact,
        directory,
        weights=weights,
        bm25=float(scored.bm25[slot]),
        best_bm25=scored.best_bm25,
        capacity_left=capacity.get(key),
        track_record=records.get(key, NO_RECORD),
        explain=True,
    )
    return with_warm_paths([match], directory, capacity_left=capacity, known=known)[0]


@timed_match("question")
def match_question(
    *, session: Session, question: MatchRequest, principal: Principal, settings: Settings
) -> MatchResult:
    directory = directory_for(session, question.municipality_code)
    profile = InitiativeProfile(
        text=question.text,
        themes=tuple(question.themes),
        area_codes=tuple(question.area_codes),
        needs=tuple(Need(n.kind, n.description) for n in question.needs),
    )
    code = question.municipality_code
    with directory.lock:
        understood = _understood(profile, directory)
        matches = rank(
            profile,
            directory,
            weights=settings.matching.weights(),
            limit=question.limit,
            capacity_left=capacity_left(session, directory, code, settings),
            track_records=track_records(session, directory, code),
            known=[str(k) for k in question.known_contact_ids],
        )
    return MatchResult(
        initiative_id=None,
        items=_present(session, matches, principal, question.municipality_code),
        understood=understood,
    )


def _understood(profile: InitiativeProfile, directory: Directory) -> MatchUnderstanding:
    """What the engine read from the words (see ``matching.understand``), for the answer."""
    understanding = understand(profile, directory)
    return MatchUnderstanding(
        language=understanding.language,
        areas=[
            {"code": code, "name": directory.areas[code].name}
            for code in understanding.areas
            if code in directory.areas
        ],
        ambiguous_places=list(understanding.ambiguous_places),
        needs=list(understanding.needs),
        themes=list(understanding.themes),
        notes=list(understanding.notes),
    )


@timed_match("contact")
def initiatives_for_contact(
    *, session: Session, contact: Contact, weights: Weights, limit: int
) -> ContactInitiatives:
    directory = directory_for(session, contact.municipality_code)
    initiatives = {
        i.id: i
        for i in session.exec(
            select(Initiative).where(Initiative.municipality_code == contact.municipality_code)
        ).all()
    }
    with directory.lock:
        matches = rank_initiatives(
            str(contact.id),
            [(str(i.id), initiative_profile(i)) for i in initiatives.values()],
            directory,
            weights=weights,
            limit=limit,
        )
    items = [
        InitiativeMatchItem(
            rank=position,
            score=match.score,
            initiative=InitiativeSummary.model_validate(initiatives[int(match.key)]),
            reasons=[r.__dict__ for r in match.reasons],
            needs_covered=list(match.needs_covered),
        )
        for position, match in enumerate(matches, start=1)
    ]
    return ContactInitiatives(contact_id=contact.id, items=items)
