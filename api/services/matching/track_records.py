"""What the engine knows of each contact beyond their profile: free capacity (open
introductions) and track records (outcomes of completed introductions)."""

from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlmodel import Session, select

from api.core.settings import Settings
from api.services.matching.reads import directory_state
from matching import Directory, TrackRecord
from matching.documents import initiative_profile
from schemas import Initiative, Introduction, IntroductionStatus, Outcome
from schemas.columns import utc_now

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


def initiative_record(initiative: Initiative) -> dict:
    """A registered initiative in the import document's shape (``matching.documents``)."""
    return {
        "title": initiative.title,
        "description": initiative.description,
        "problem": initiative.problem,
        "targetGroup": initiative.target_group,
        "themes": initiative.themes,
        "areaCodes": initiative.area_codes,
        "needs": initiative.needs,
        "stage": initiative.stage,
    }


def track_records(
    session: Session,
    directory: Directory,
    municipality_code: str,
    stamp: tuple[int, int | None] | None = None,
) -> dict[str, TrackRecord]:
    """What completed introductions taught about each contact, overall and per theme (the
    themes of the initiative each introduction was for, as the engine reads them). ``stamp``:
    the outcomes' (count, newest id) when the caller has read it already (``reads.STATE``)."""
    if stamp is None:
        state = directory_state(session, municipality_code)
        stamp = state.outcomes if state is not None else (0, None)
    cached = _track_records.get(municipality_code)
    if cached is not None and cached[0] is directory and cached[1] == stamp:
        return cached[2]
    completed = (
        select(Introduction, Initiative)
        .join(Initiative, Initiative.id == Introduction.initiative_id)
        .where(Initiative.municipality_code == municipality_code)
        .where(Introduction.status == IntroductionStatus.completed)
        .where(Introduction.outcome.is_not(None))
    )
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
                initiative_profile(initiative_record(initiative))
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


def open_since(settings: Settings) -> datetime:
    """Introductions made since then and still open fill a contact's capacity."""
    return utc_now() - timedelta(days=settings.introduction_window_days)


def capacity_left(directory: Directory, open_introductions: Mapping[int, int]) -> dict[str, int]:
    """Free slots of contacts that have open introductions (the others have their full
    capacityPerMonth), for the engine's capacity signal."""
    left = {}
    for contact_id, count in open_introductions.items():
        features = directory.contact(str(contact_id))
        if features is not None:
            left[str(contact_id)] = max(0, features.profile.capacity_per_month - count)
    return left
