"""The one way from a record to the engine's inputs: an import document's unit, contact or
initiative (``POST /api/v1/imports``, ``POST /api/v1/initiatives``; lowerCamelCase keys) to a
profile. The service (from its rows), ``bench/`` and ``evaluation/`` all use these, so a field
left out means the same everywhere: the API's own defaults."""

from collections.abc import Mapping
from typing import Any

from matching.model import ContactProfile, InitiativeProfile, Need, NetworkLink, UnitProfile

# What the API stores for a contact that does not say (schemas.ContactCreate).
DEFAULT_CAPACITY = 4
DEFAULT_LANGUAGES = ("nl",)


class Shared:
    """One object per job title and per network link across many contacts: colleagues name
    the same organisations and share titles, and at 200,000 contacts one copy per contact is
    a good part of the index's memory."""

    __slots__ = ("links", "titles")

    def __init__(self) -> None:
        self.links: dict[tuple[str, str], NetworkLink] = {}
        self.titles: dict[str, str] = {}

    def link(self, name: str, kind: str) -> NetworkLink:
        found = self.links.get((name, kind))
        if found is None:
            found = self.links[(name, kind)] = NetworkLink(name, kind)
        return found

    def title(self, title: str) -> str:
        return self.titles.setdefault(title, title)


def words(*parts: str | None) -> str:
    """Parts of a text as one, the empty ones left out."""
    return " ".join(p.strip() for p in parts if p and p.strip())


def unit_profile(unit: Mapping[str, Any], *, key: str | None = None) -> UnitProfile:
    return UnitProfile(
        key=key if key is not None else str(unit["key"]),
        name=unit["name"],
        kind=unit["kind"],
        description=unit.get("description") or "",
        themes=tuple(unit.get("themes") or ()),
        area_codes=tuple(unit.get("areaCodes") or ()),
    )


def contact_profile(
    contact: Mapping[str, Any],
    unit: UnitProfile,
    *,
    key: str | None = None,
    shared: Shared | None = None,
) -> ContactProfile:
    """A contact as the engine sees it; ``knows`` are other contacts' keys (ids as text in
    the service). Whether the contact may be listed at all is the caller's to decide."""
    shared = shared or Shared()
    return ContactProfile(
        key=key if key is not None else str(contact["key"]),
        job_title=shared.title(contact["jobTitle"]),
        unit=unit,
        themes=tuple(contact.get("themes") or ()),
        area_codes=tuple(contact.get("areaCodes") or ()),
        expertise=contact.get("expertise") or "",
        networks=tuple(shared.link(n["name"], n["kind"]) for n in contact.get("networks") or ()),
        open_to_initiatives=bool(contact.get("openToInitiatives", True)),
        capacity_per_month=int(contact.get("capacityPerMonth", DEFAULT_CAPACITY)),
        knows=tuple(str(k) for k in contact.get("knows") or ()),
        # Missing: the API's default; an empty list stays empty (languages not known).
        languages=tuple(contact.get("languages", DEFAULT_LANGUAGES)),
    )


def initiative_profile(initiative: Mapping[str, Any]) -> InitiativeProfile:
    """An initiative (title, description, problem, targetGroup) or a question (text)."""
    if "text" in initiative:
        text = initiative["text"]
    else:
        text = words(
            initiative.get("title"),
            initiative.get("description"),
            initiative.get("problem"),
            initiative.get("targetGroup"),
        )
    return InitiativeProfile(
        text=text,
        themes=tuple(initiative.get("themes") or ()),
        area_codes=tuple(initiative.get("areaCodes") or ()),
        needs=tuple(
            Need(n["kind"], n.get("description") or "") for n in initiative.get("needs") or ()
        ),
        stage=initiative.get("stage"),
    )
