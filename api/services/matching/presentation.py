"""The engine's matches as the answer shows them: contacts' cards (names only where allowed,
never contact details), warm paths, and what the engine read from the words."""

from collections.abc import Collection, Mapping, Sequence
from typing import Any, NamedTuple

from sqlmodel import Session

from api.core.identity import Principal
from api.services.matching.index_cache import CardRow
from api.services.matching.reads import card_rows
from matching import Directory, InitiativeProfile, Match, understand
from schemas import MatchItem, MatchUnderstanding


class _Unit(NamedTuple):
    id: int
    name: str
    kind: str


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
    held: Mapping[int, CardRow] | None = None,
) -> list[MatchItem]:
    """Match keys back to contacts; names only where allowed and never any contact details.
    ``held``: the cards from the index's own copy (``index_cache.held_cards``, only listed
    contacts, current with the database); without it they are read in one query and
    checked. ``excluded`` contacts (a broker's override) are no link of a warm path either."""
    if held is not None:
        contacts: Mapping[int, Any] = held
        units = {c.unit_id: _Unit(c.unit_id, c.unit_name, c.unit_kind) for c in held.values()}

        def listed(contact: Any) -> bool:
            return True  # the index holds only listed contacts

    else:
        ids = {int(key) for m in matches for key in (m.key, *m.introduce_via)}
        # Just the columns a card and the check need, as plain rows (no ORM objects).
        contacts, units = card_rows(session, ids)

        def listed(contact: Any) -> bool:
            # Checked again on the rows just read: someone removed, made unavailable, without
            # consent or moved elsewhere since the index was built is left out.
            return _matchable(contact, municipality_code)

    # The ranks stay 1..n for those shown.
    present = [
        (m, contacts[int(m.key)])
        for m in matches
        if int(m.key) in contacts and listed(contacts[int(m.key)])
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
        if not all(p is not None and listed(p) for p in people):
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
