"""Matches through the service: the engine (``matching``) over this process's index of each
municipality, with what the database knows beyond profiles (capacity, track records, a
broker's overrides) and the cards to show.

Parts: ``index_cache`` (the indexes, their locks and catch-up), ``reads`` (SQL),
``track_records`` (capacity and outcomes), ``presentation`` (cards and understanding); the
row/document to profile adapter is ``matching.documents``, shared with bench/ and evaluation/.
"""

from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from typing import Any

from sqlmodel import Session, select

from api.core.identity import Principal
from api.core.metrics import timed_match
from api.core.settings import Settings
from api.services.matching.index_cache import (
    MIN_REBUILD_CHANGES,
    REBUILD_SHARE,
    current_directory,
    directory_for,
    held_cards,
    loaded_directories,
    vocabulary_for,
    warm_up,
)
from api.services.matching.presentation import present, understood
from api.services.matching.reads import InitiativeState, initiative_state
from api.services.matching.track_records import (
    capacity_left,
    initiative_record,
    open_since,
    track_records,
)
from matching import (
    Directory,
    InitiativeProfile,
    Match,
    Reason,
    TrackRecord,
    Weights,
    rank,
    rank_initiatives,
)
from matching.documents import initiative_profile as profile_of
from matching.rank import NO_RECORD, score_all, score_contact, with_warm_paths
from schemas import (
    Contact,
    ContactInitiatives,
    Initiative,
    InitiativeMatchItem,
    InitiativeSummary,
    MatchRequest,
    MatchResult,
    OverrideAction,
)

__all__ = [
    "MIN_REBUILD_CHANGES",
    "PINNED",
    "REBUILD_SHARE",
    "capacity_left",
    "directory_for",
    "initiative_for_match",
    "initiative_profile",
    "initiatives_for_contact",
    "loaded_directories",
    "match_initiative",
    "match_question",
    "track_records",
    "vocabulary_for",
    "warm_up",
]

# The first reason of a contact a broker pinned for the initiative (a match override).
PINNED = Reason("pinned", 1.0, 0.0, "Aanbevolen door de gemeente.")


def initiative_profile(initiative: Initiative) -> InitiativeProfile:
    return profile_of(initiative_record(initiative))


def initiative_for_match(
    *, session: Session, initiative_id: int, settings: Settings
) -> InitiativeState | None:
    """An initiative and everything matching it needs from the database besides the index,
    in one query (``reads.initiative_state``); None when there is none with that id."""
    return initiative_state(session, initiative_id, since=open_since(settings))


@timed_match("initiative")
def match_initiative(
    *,
    session: Session,
    initiative: Initiative,
    principal: Principal,
    settings: Settings,
    limit: int,
    read: InitiativeState | None = None,
) -> MatchResult:
    """The best contacts for a registered initiative. ``read``: what ``initiative_for_match``
    read with the initiative (else read here, the same way: one query)."""
    code = initiative.municipality_code
    since = open_since(settings)
    if read is None:
        read = initiative_state(session, initiative.id, since=since)
    directory, current, state = current_directory(
        session, code, since=since, state=read.state if read else None
    )
    overrides = read.overrides if read else []
    profile = initiative_profile(initiative)
    pinned = [str(o.contact_id) for o in overrides if o.action == OverrideAction.pin]
    excluded = {str(o.contact_id) for o in overrides if o.action == OverrideAction.exclude}
    weights = settings.matching.weights()
    with directory.lock:
        understanding = understood(profile, directory)
        capacity = capacity_left(directory, state.open_introductions)
        records = track_records(session, directory, code, state.outcomes)
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
        matches = matches[:limit]
        held = _held_cards(code, directory, matches) if current else None
    return MatchResult(
        initiative_id=initiative.id,
        items=present(session, matches, principal, code, excluded=excluded, held=held),
        understood=understanding,
    )


def _held_cards(code: str, directory: Directory, matches: Sequence[Match]) -> Any:
    ids = {int(key) for m in matches for key in (m.key, *m.introduce_via)}
    return held_cards(code, directory, ids)


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
    code = question.municipality_code
    directory, current, state = current_directory(session, code, since=open_since(settings))
    profile = profile_of(
        {
            "text": question.text,
            "themes": question.themes,
            "areaCodes": question.area_codes,
            "needs": [{"kind": n.kind, "description": n.description} for n in question.needs],
        }
    )
    with directory.lock:
        understanding = understood(profile, directory)
        matches = rank(
            profile,
            directory,
            weights=settings.matching.weights(),
            limit=question.limit,
            capacity_left=capacity_left(directory, state.open_introductions),
            track_records=track_records(session, directory, code, state.outcomes),
            known=[str(k) for k in question.known_contact_ids],
        )
        held = _held_cards(code, directory, matches) if current else None
    return MatchResult(
        initiative_id=None,
        items=present(session, matches, principal, code, held=held),
        understood=understanding,
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
