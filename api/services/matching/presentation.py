"""The engine's matches as the answer shows them: contacts' cards (names only where allowed,
never contact details), warm paths, and what the engine read from the words."""

from collections.abc import Collection, Sequence
from typing import Any

from sqlmodel import Session

from api.deps import Principal
from api.services.matching.reads import card_rows
from matching import Directory, InitiativeProfile, Match, understand
from schemas import MatchItem, MatchUnderstanding


def _matchable(contact: Any, municipality_code: str) -> bool:
    return (
        contact.available
        and contact.consent_at is not None
        and contact.withdrawn_at is None
        and contact.municipality_code == municipality_code
    )


def present(
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
    contacts, units = card_rows(session, ids)
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


def understood(profile: InitiativeProfile, directory: Directory) -> MatchUnderstanding:
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
