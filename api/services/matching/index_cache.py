"""This process's prepared directory per municipality, brought up to date when
``directory_version`` moves (see ``directory_for``); its locks and its catch-up from the
change log (``DirectoryChange``)."""

import gc
import logging
import threading
from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import Engine
from sqlmodel import Session, select

from api.core.exceptions import InvalidInput
from api.core.metrics import observe_index_build, observe_index_update
from api.services.matching.reads import READ_BATCH, State, directory_state, listed_profiles
from matching import AreaProfile, Directory, default_vocabulary
from matching.vocabulary import Vocabulary
from schemas import Area, Contact, DirectoryChange, Municipality, ThemeTerm

log = logging.getLogger(__name__)
# This process's index per municipality: (the directory_version it reflects, directory).
_directories: dict[str, tuple[int, Directory]] = {}
# One writer per municipality's index (building or catching up); readers never wait for a
# catch-up when they hold an index already.
_index_locks: dict[str, threading.Lock] = {}
_index_locks_guard = threading.Lock()
# What a card shows that the engine's profile does not (name, public profile), per listed
# contact id, kept with the directory it belongs to and changed with it.
_cards: dict[str, tuple[Directory, dict[int, tuple[str, bool]]]] = {}


class CardRow(NamedTuple):
    """A listed contact's card, as ``reads.CARDS`` and its unit would give it."""

    id: int
    name: str
    job_title: str
    unit_id: int
    public_profile: bool
    unit_name: str
    unit_kind: str


# More changed contacts than this share of the directory (and than MIN_REBUILD_CHANGES): build
# anew, so the analyzer's lexicon learns the new words, instead of patching.
REBUILD_SHARE = 0.25
MIN_REBUILD_CHANGES = 50


def vocabulary_for(session: Session, municipality_code: str) -> Vocabulary:
    extra: dict[str, list[str]] = {}
    for row in session.exec(
        select(ThemeTerm).where(ThemeTerm.municipality_code == municipality_code)
    ).all():
        extra.setdefault(row.theme, []).append(row.term)
    base = default_vocabulary()
    return base.with_extra_terms(extra) if extra else base


def directory_for(session: Session, municipality_code: str) -> Directory:
    """The prepared directory of a municipality (see ``current_directory``)."""
    return current_directory(session, municipality_code)[0]


def current_directory(
    session: Session,
    municipality_code: str,
    *,
    since: datetime | None = None,
    state: State | None = None,
) -> tuple[Directory, bool, State]:
    """The prepared directory of a municipality, current with the database; whether it is
    (False: another request is bringing it up to date, see below); and the state read, the
    outcomes' stamp and (with ``since``) the open introductions with it, one round trip
    (none when the caller read ``state`` already, with the initiative: ``reads.initiative_state``).

    One small query when this process's index is current. Behind, it applies the directory
    changes written since (``DirectoryChange``: re-reads just the contacts that changed), or
    builds the index anew when the changes are many, need it (areas, theme terms) or are no
    longer all in the log. While one request brings the index up to date, others for the same
    municipality answer from the index as it is (their contacts are checked against the
    database again before they are shown, see ``presentation.present``); only a first build is
    waited for.
    """
    if state is None:
        state = directory_state(session, municipality_code, since=since)
    if state is None:
        raise InvalidInput.field("municipalityCode", f"Unknown municipality {municipality_code}.")
    version = state.version
    held = _directories.get(municipality_code)
    if held is not None and held[0] == version:
        return held[1], True, state
    lock = _index_lock(municipality_code)
    if not lock.acquire(blocking=held is None):
        return held[1], False, state
    try:
        held = _directories.get(municipality_code)
        if held is not None and held[0] == version:
            return held[1], True, state
        if held is not None and (caught_up := _catch_up(session, municipality_code, *held)):
            _directories[municipality_code] = (caught_up, held[1])
            return held[1], caught_up >= version, state
        directory = _build_directory(session, municipality_code)
        _directories[municipality_code] = (version, directory)
        return directory, True, state
    finally:
        lock.release()


def held_cards(
    municipality_code: str, directory: Directory, ids: Iterable[int]
) -> dict[int, CardRow] | None:
    """The cards of ``ids`` from the index's own copy of the listed contacts (those not
    listed left out), or None when this index has no copy. Call with ``directory.lock``
    held and only for a current index: then it says what the database says."""
    held = _cards.get(municipality_code)
    if held is None or held[0] is not directory:
        return None
    names = held[1]
    cards = {}
    for contact_id in ids:
        features = directory.contact(str(contact_id))
        if features is None or contact_id not in names:
            continue
        profile = features.profile
        name, public_profile = names[contact_id]
        unit = profile.unit
        cards[contact_id] = CardRow(
            contact_id,
            name,
            profile.job_title,
            int(unit.key),
            public_profile,
            unit.name,
            unit.kind,
        )
    return cards


def warm_up(engine: Engine) -> None:
    """Build the index of every municipality in this process (at start-up, in a thread; a
    failure is logged and leaves that index to be built on its first match). The indexes live
    as long as the process: once built they are frozen out of the cyclic collector, so a
    match never waits for a collection that walks them."""
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
    # Once, where the service owns the process (the engine leaves interpreter state alone).
    gc.freeze()


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
        profiles.update(listed_profiles(session, municipality_code, Contact.id.in_(batch)))
    held = _cards.get(municipality_code)
    names = held[1] if held is not None and held[0] is directory else {}
    with directory.lock:
        for contact_id in ids:
            if contact_id in profiles:
                listed = profiles[contact_id]
                directory.upsert(listed.profile)
                names[contact_id] = (listed.name, listed.public_profile)
            else:  # removed, unlisted, or moved to another municipality
                directory.remove(str(contact_id))
                names.pop(contact_id, None)
    observe_index_update(municipality_code, directory, len(ids))
    return max(steps)


@observe_index_build
def _build_directory(session: Session, municipality_code: str) -> Directory:
    areas = session.exec(select(Area).where(Area.municipality_code == municipality_code)).all()
    municipality = session.get(Municipality, municipality_code)
    listed = listed_profiles(session, municipality_code)
    directory = Directory.build(
        (entry.profile for entry in listed.values()),
        [AreaProfile(a.code, a.name, a.parent_code, tuple(a.aliases)) for a in areas],
        vocabulary_for(session, municipality_code),
        # "gemeente Dijkland", "in Amsterdam": the municipality's own name places nobody.
        place_names=[municipality.name] if municipality else [],
    )
    _cards[municipality_code] = (
        directory,
        {contact_id: (entry.name, entry.public_profile) for contact_id, entry in listed.items()},
    )
    return directory
