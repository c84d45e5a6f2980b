"""Ranking: candidates first, full scoring for them, then a coverage-aware re-rank.

Subject first, as a broker does: who knows the subject decides who is in the running;
place, readiness and track record order those who are. The score of a contact for an
initiative is built from

    text      = signals.coherent_text(signals.text_relevance(BM25), theme, confidence)
                BM25 over the profile as BM25F in whole numbers (job title ×4, expertise
                ×2, theme labels, unit text and organisation names ×1), each question
                word weighted by its idf, how telling it is in Dutch at large
                (text.specificity; at least 0.6 for a vocabulary word), little for the
                domain's generic words, half for a compound's parts; relative to the best
                profile or to half of what holding every word would give; then lowered by
                up to 0.6 by the share of the question's themes the contact does not cover
    theme     = signals.theme_overlap: the question's themes covered, as sure as they are
                (question themes: index._question_themes, the main theme leading)
    need      = signals.need_fit over the needs ticked (1) or stated in the text (0.6;
                0.25 beside ticked ones); capability from the distinct need phrases of the
                title, expertise and unit text, the unit's kind and the network
    network   = signals.network_reach (only when partners are named or asked for)
    topical   = Σ w_s · v_s / Σ w_s   over the topic signals that apply
    relevance = max(topical, local · weights.local)   local: signals.local_first_contact,
                an area's general first contact (area-bound, in an area team, district or
                programme, a broad theme first, and their own words say they are the way in)
    place     = area_floor + (1 - area_floor) · area_fit   (see signals.area_fit)
    readiness = (openness_floor + (1 - openness_floor) · openness)
              × (capacity_floor + (1 - capacity_floor) · capacity)
              × (language_floor + (1 - language_floor) · language)   (English questions only)
    track     = 1 + experience · (2 · track_record - 1)   (see signals.track_record;
                                                          1 when outcomes are not given)
    score     = min(1, relevance × place × readiness × track)

In the running (``in_the_running``) are, of those who share something with the initiative,
the ones open with room this month (the others only when none of those is in the running),
whose relevance is at least ``max(weights.running · best topical, weights.minimum)``, and,
where the initiative is placed, not bound to another area while anyone nearby or citywide
is: an answer has fewer than ``limit`` people when fewer fit.

Relevance says whether the person knows the subject, place whether they work where the
initiative happens, readiness whether they can take it on now, track what earlier
introductions to them on these themes brought. A product, not a sum, so a
perfect specialist in another stadsdeel or with a full agenda does not outrank a good
colleague who can actually help. The re-rank then picks the top ``limit`` greedily, adding to
each candidate's score a bonus for needs nobody above them covers and a penalty for looking
like someone already picked (same unit, same themes), so the top five together answer the
initiative instead of being five copies of one profile; an area's first contact counts
once (a second one comes last).
"""

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import NamedTuple

import numpy as np

from matching import sentences, signals
from matching.index import ContactFeatures, Directory, InitiativeFeatures
from matching.language import ENGLISH
from matching.model import InitiativeProfile, Match, Reason, TrackRecord, Understanding, Weights
from matching.paths import introduce_via
from matching.places import PlaceMention

NO_RECORD = TrackRecord()


def rank(
    initiative: InitiativeProfile,
    directory: Directory,
    *,
    weights: Weights = Weights(),
    limit: int = 5,
    capacity_left: Mapping[str, int] | None = None,
    track_records: Mapping[str, TrackRecord] | None = None,
    known: Sequence[str] = (),
) -> list[Match]:
    """The best ``limit`` contacts for an initiative, each with the reasons for its place.

    ``capacity_left`` overrides a contact's free capacity (contact key → open slots), for
    callers that count open introductions. ``track_records`` (contact key → outcomes) turns
    on the experience signal; a contact without one counts as new (neutral). ``known`` are
    the contacts the initiative already knows: the starting points of warm paths.
    """
    if limit <= 0 or directory.size == 0:
        return []
    query = directory.analyse_initiative(initiative)
    capacity_left = capacity_left or {}
    scored = score_all(
        query, directory, weights=weights, capacity_left=capacity_left, track_records=track_records
    )

    def score(index: int, *, explain: bool) -> Match:
        contact = directory.contacts[index]
        return score_contact(
            query,
            contact,
            directory,
            weights=weights,
            bm25=float(scored.bm25[index]),
            best_bm25=scored.best_bm25,
            capacity_left=capacity_left.get(contact.profile.key),
            track_record=(
                None if track_records is None else track_records.get(contact.profile.key, NO_RECORD)
            ),
            explain=explain,
        )

    # Everyone is scored (vectorised); the re-rank takes its pool from those numbers, and
    # only the few that are shown are scored one by one, with their reasons in sentences.
    chosen = rerank(
        _pool(scored, query, directory, 3 * limit), query, directory, weights=weights, limit=limit
    )
    explained = [score(directory.position[m.key], explain=True) for m in chosen]
    return with_warm_paths(explained, directory, capacity_left=capacity_left, known=known)


def understand(initiative: InitiativeProfile, directory: Directory) -> Understanding:
    """What the engine reads from an initiative's own words besides what it was told (see
    ``Understanding``), with the sentences that say so to the resident."""
    query = directory.analyse_initiative(initiative)
    ticked_themes = bool(initiative.themes)
    themes_read = () if ticked_themes else _main_themes(query.themes)
    areas_read = query.areas if query.areas_read else ()
    ambiguous = tuple(m.written for m in query.places.ambiguous)
    if initiative.area_codes:
        ambiguous = ()
    return Understanding(
        language=query.language,
        areas=areas_read,
        ambiguous_places=ambiguous,
        needs=query.needs_read,
        themes=themes_read,
        notes=sentences.understanding_notes(
            language=query.language,
            areas_read=areas_read,
            places_written=tuple(
                dict.fromkeys(_as_named(m, directory) for m in query.places.mentions if m.codes)
            ),
            ambiguous_places=ambiguous,
            needs_read=query.needs_read if not any(w >= 1 for w in query.needs.values()) else (),
            themes_read=themes_read,
            vocabulary=directory.vocabulary,
        ),
    )


def _as_named(mention: PlaceMention, directory: Directory) -> str:
    """A place by the name of the area it was read as ("nieuw-west" and "Niew West" are
    "Nieuw-West"); a name for several areas together as the resident wrote it ("Bijlmer")."""
    if len(mention.codes) == 1:
        return directory.areas[mention.codes[0]].name
    return mention.written[:1].upper() + mention.written[1:]


# A theme read from the text is worth saying back when it is at least this strong (one
# telling phrase), and at most this many.
THEME_READ, THEMES_READ = 0.35, 2


def _main_themes(themes: Mapping[str, float]) -> tuple[str, ...]:
    ranked = sorted(
        (slug for slug, w in themes.items() if w >= THEME_READ), key=lambda t: -themes[t]
    )
    return tuple(ranked[:THEMES_READ])


def with_warm_paths(
    matches: Sequence[Match],
    directory: Directory,
    *,
    capacity_left: Mapping[str, int],
    known: Sequence[str] = (),
) -> list[Match]:
    """Adds ``introduce_via`` where it helps: a chain from someone the initiative knows,
    and, for a contact who is not open to initiatives or has no room this month, from
    anyone who is open and has room (they can be asked for the introduction instead)."""
    known_keys = frozenset(known)
    neighbours = directory.neighbours

    def reachable(key: str) -> bool:
        contact = directory.contact(key)
        if contact is None or not contact.profile.open_to_initiatives:
            return False
        return capacity_left.get(key, contact.profile.capacity_left) > 0

    result = []
    for match in matches:
        via = None
        if known_keys:
            via = introduce_via(neighbours, match.key, known_keys.__contains__)
        if via is None and (
            match.signals.get("openness", 1.0) == 0.0 or match.signals.get("capacity", 1.0) == 0.0
        ):
            via = introduce_via(neighbours, match.key, reachable)
        result.append(replace(match, introduce_via=via) if via else match)
    return result


def rank_initiatives(
    contact_key: str,
    initiatives: Sequence[tuple[str, InitiativeProfile]],
    directory: Directory,
    *,
    weights: Weights = Weights(),
    limit: int = 10,
) -> list[Match]:
    """The reverse question: which initiatives fit this contact's portfolio best. Each
    ``Match.key`` is the initiative's key; the score is the same as in ``rank``, with text
    relevance relative to the initiative this contact's text fits best."""
    contact = directory.contact(contact_key)
    if contact is None or limit <= 0 or not initiatives:
        return []
    queries = [(key, directory.analyse_initiative(profile)) for key, profile in initiatives]
    bm25 = [directory.bm25_for(contact, query.terms, query.term_weights) for _key, query in queries]
    best = max(bm25, default=0.0)
    scored = [
        replace(
            score_contact(query, contact, directory, weights=weights, bm25=value, best_bm25=best),
            key=key,
        )
        for (key, query), value in zip(queries, bm25, strict=True)
    ]
    return sorted(scored, key=lambda m: (-m.score, m.key))[:limit]


def shares_something(match: Match, query: InitiativeFeatures) -> bool:
    """Whether a scored contact is a match at all: they know something of the subject
    (relevance above 0), or they work in the asked area or the area that contains it. Anyone
    else is left out, however open and free they are."""
    if match.signals["relevance"] > 0:
        return True
    return bool(query.areas) and match.signals["area"] >= signals.WIDER_AREA


def in_the_running(
    scored: Sequence[Match], query: InitiativeFeatures, weights: Weights
) -> list[Match]:
    """Subject first: of the contacts that share something with the initiative, those whose
    relevance is at least ``weights.running`` (half) of the best topical relevance (an area's
    first contact counts with the relevance ``weights.local`` gives them, but never sets the
    bar); place, readiness and track record then order them. Where the initiative is placed,
    someone bound to other areas only is in the running when nobody who works there (or
    citywide) is: a broker does not send a resident to another stadsdeel's colleague.

    Nor to someone who takes no initiatives or has no room this month: those who are open
    with room are weighed first, among themselves (the bar is the best of them); the others
    are suggested, with a path, only when none of those is in the running. Nobody whose
    relevance is below ``weights.minimum`` is in the running at all."""
    reachable = [m for m in scored if _reachable(m)]
    return _running(reachable, query, weights) or _running(scored, query, weights)


def _running(scored: Sequence[Match], query: InitiativeFeatures, weights: Weights) -> list[Match]:
    best = max((m.signals["topical"] for m in scored), default=0.0)
    bar = max(weights.running * best, weights.minimum)
    running = [m for m in scored if m.signals["relevance"] >= bar]
    if query.areas and any(m.signals["area"] > signals.ELSEWHERE for m in running):
        running = [m for m in running if m.signals["area"] > signals.ELSEWHERE]
    return running


def _reachable(match: Match) -> bool:
    """Open to initiatives and with room for a kennismaking this month."""
    return match.signals["openness"] > 0 and match.signals["capacity"] > 0


# Scores within this of the pool's last one may round (to 4 decimals) to a tie with it and
# then win on their key.
ROUNDING_WINDOW = 2e-4


class Scores(NamedTuple):
    """``score_all``'s answer: every slot's score (-1: dead or no match) and BM25, the best
    BM25, and each asked need's capability column as ``score_contact`` completes it."""

    scores: np.ndarray
    bm25: np.ndarray
    best_bm25: float
    capabilities: dict[str, np.ndarray]
    local: np.ndarray  # signals.local_first_contact per slot


def _pool(
    scored: Scores, query: InitiativeFeatures, directory: Directory, size: int
) -> list[Match]:
    """The best ``size`` by ``(-round(score, 4), key)`` as the re-rank needs them (score and
    needs covered). Only slots within the rounding window of the ``size``-th best can
    round to a tie with it and win on their key, so only those are sorted in Python."""
    scores = scored.scores
    # Most slots are out of the running (-1). Partitioning among the others only: the same
    # ``size``-th best, and numpy's introselect is slow on an array of that many ties (1.8 ms
    # of a 3.4 ms match at 20,000 contacts).
    in_the_running = scores >= 0
    alive = scores[in_the_running]
    if len(alive) <= size:
        slots = np.flatnonzero(in_the_running)
    else:
        cut = len(alive) - size
        kth = np.partition(alive, cut)[cut]
        slots = np.flatnonzero(scores >= max(kth - ROUNDING_WINDOW, 0.0))
    ranked = sorted(
        (-round(float(scores[slot]), 4), directory.contacts[slot].profile.key, int(slot))
        for slot in slots
    )[:size]
    asked = [(kind, weight) for kind, weight in query.needs.items() if weight >= 0.5]
    return [
        Match(
            key=key,
            score=-negative,
            reasons=(),
            needs_covered=tuple(
                kind for kind, _ in asked if scored.capabilities[kind][slot] >= 0.5
            ),
            signals={"local": float(scored.local[slot])},
        )
        for negative, key, slot in ranked
    ]


def score_all(
    query: InitiativeFeatures,
    directory: Directory,
    *,
    weights: Weights,
    capacity_left: Mapping[str, int],
    track_records: Mapping[str, TrackRecord] | None,
) -> Scores:
    """``score_contact``'s score for every slot at once: the same formula and the same
    floating-point operations in the same order, on columns instead of one contact's
    dictionaries, so the numbers are equal, not merely close (tests/matching/
    test_index_updates.py holds rank to scoring every contact one by one). Scores are -1 for
    dead slots and for contacts that share nothing with the initiative (``shares_something``).
    """
    n = directory.slots
    live = directory.live
    zeros = np.zeros(n)
    bm25 = np.where(live, directory.bm25_vector(query.terms, query.term_weights), 0.0)
    best_bm25 = float(bm25.max()) if n else 0.0
    text, theme = _text_and_theme_all(query, directory, bm25, best_bm25)
    network, network_applies = _network_all(query, directory)
    need, capabilities = _need_all(query, directory, text, theme, network, network_applies)

    topic = [(weights.text, text), (weights.theme, theme)]
    if query.needs:
        topic.append((weights.need, need))
    if network_applies:
        topic.append((weights.network, network))
    total_weight = sum(w for w, _ in topic) or 1.0
    relevance = topic[0][0] * topic[0][1]
    for weight, value in topic[1:]:
        relevance = relevance + weight * value
    relevance = relevance / total_weight

    fit = _area_fit_all(query, directory)
    # signals.local_first_contact
    local = (directory.broad & (fit >= signals.NARROWER_AREA)) if query.areas else zeros > 0
    topical = relevance
    relevance = np.maximum(relevance, weights.local * local)
    place = weights.area_floor + (1 - weights.area_floor) * fit
    room, readiness = _readiness_all(query, directory, weights, capacity_left)
    track = _track_all(query, directory, weights, track_records)
    scores = np.minimum(1.0, relevance * place * readiness * track)
    # See shares_something: the subject, or the very place.
    shared = relevance > 0
    if query.areas:
        shared |= fit >= signals.WIDER_AREA
    scores[~live | ~shared] = -1.0
    # in_the_running: the reachable (open, with room) among themselves; everyone when none of
    # them is in the running
    shared = scores >= 0
    reachable = (directory.openness > 0) & (room > 0)
    running = _running_all(shared & reachable, topical, relevance, fit, query, weights)
    if not running.any():
        running = _running_all(shared, topical, relevance, fit, query, weights)
    scores[~running] = -1.0
    return Scores(scores, bm25, best_bm25, capabilities, local.astype(float))


def _text_and_theme_all(
    query: InitiativeFeatures, directory: Directory, bm25: np.ndarray, best_bm25: float
) -> tuple[np.ndarray, np.ndarray]:
    """``signals.text_relevance`` made coherent with ``signals.theme_overlap``, per slot."""
    n = directory.slots
    zeros = np.zeros(n)
    # signals.text_relevance
    scale = max(best_bm25, signals.TEXT_REACH_SHARE * query.reach, 1.0)
    text = np.where(bm25 > 0, np.minimum(1.0, bm25 / scale), 0.0)

    # signals.theme_overlap
    def theme_column(slug: str) -> np.ndarray:
        column = directory.column("theme", slug)
        return zeros if column is None else column

    theme_total = sum(query.themes.values())
    if theme_total <= 0:
        return text, zeros
    covered = np.zeros(n)
    for slug, weight in query.themes.items():
        nearby = zeros
        for other in directory.related.get(slug, ()):
            column = directory.column("theme", other)
            if column is not None:  # pairwise: reduce() over a list would copy them all
                nearby = np.maximum(nearby, column)
        credit = signals.RELATED_THEME_CREDIT * nearby
        covered += weight * np.maximum(theme_column(slug), credit)
    theme = covered / max(theme_total, 1.0)
    # signals.coherent_text
    confidence = min(1.0, theme_total)
    text_coherent = text * (
        1.0
        - signals.INCOHERENT_TEXT
        * np.maximum(0.0, 1.0 - theme / confidence)
        * min(1.0, confidence / signals.SURE_THEME)
    )
    return text_coherent, theme


def _network_all(query: InitiativeFeatures, directory: Directory) -> tuple[np.ndarray, bool]:
    """``signals.network_reach`` per slot, with the organisations the initiative names; and
    whether the network counts at all."""
    n = directory.slots
    if query.partner_kinds:
        reached = np.zeros(n)
        for kind in query.partner_kinds:
            column = directory.column("kind", kind)
            if column is not None:
                reached += column
        network = reached / len(query.partner_kinds)
    else:
        network = np.zeros(n)
    for token in query.named_partners:
        slots = directory.token_slots(token)
        if slots is not None:
            network[slots] = 1.0
    return network, bool(query.partner_kinds or query.named_partners)


def _need_all(
    query: InitiativeFeatures,
    directory: Directory,
    text: np.ndarray,
    theme: np.ndarray,
    network: np.ndarray,
    network_applies: bool,
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """``signals.need_fit`` per slot over the capabilities as ``score_contact`` completes
    them (knowledge from the subject, network needs from the network); and those columns."""
    zeros = np.zeros(directory.slots)
    need_total = sum(query.needs.values())
    capabilities: dict[str, np.ndarray] = {}
    if need_total <= 0:
        return zeros, capabilities
    answered = np.zeros(directory.slots)
    for kind, weight in query.needs.items():
        capability = directory.column("need", kind)
        capability = zeros if capability is None else capability
        if kind == "knowledge":
            capability = np.maximum(capability, 0.5 * text + 0.5 * theme)
        if network_applies and kind in ("network", "partnership"):
            capability = np.maximum(capability, network)
        answered += weight * capability
        capabilities[kind] = capability
    return answered / need_total, capabilities


def _readiness_all(
    query: InitiativeFeatures,
    directory: Directory,
    weights: Weights,
    capacity_left: Mapping[str, int],
) -> tuple[np.ndarray, np.ndarray]:
    """Room (``signals.capacity``, with the open introductions counted now) and readiness:
    openness, room and, for a question in English, the language, as floors."""
    left = directory.capacity_left.copy()
    for key, slots_left in capacity_left.items():
        slot = directory.position.get(key)
        if slot is not None:
            left[slot] = slots_left
    room = np.minimum(1.0, np.maximum(0.0, left) / 2)
    readiness = (weights.openness_floor + (1 - weights.openness_floor) * directory.openness) * (
        weights.capacity_floor + (1 - weights.capacity_floor) * room
    )
    if query.language == ENGLISH:  # signals.speaks_the_language
        readiness = readiness * (
            weights.language_floor + (1 - weights.language_floor) * directory.english
        )
    return room, readiness


def _track_all(
    query: InitiativeFeatures,
    directory: Directory,
    weights: Weights,
    track_records: Mapping[str, TrackRecord] | None,
) -> np.ndarray:
    """The track-record factor per slot (1 for contacts without a record)."""
    track = np.ones(directory.slots)
    for key, record in (track_records or {}).items():
        slot = directory.position.get(key)
        if slot is not None:
            track[slot] = _track_factor(_experience(record, query, weights), weights)
    return track


def _running_all(
    candidates: np.ndarray,
    topical: np.ndarray,
    relevance: np.ndarray,
    fit: np.ndarray,
    query: InitiativeFeatures,
    weights: Weights,
) -> np.ndarray:
    """``_running`` over slots: which of the candidates are in the running."""
    if not candidates.any():
        return candidates
    best = float(topical[candidates].max())
    running = candidates & (relevance >= max(weights.running * best, weights.minimum))
    nearby = running & (fit > signals.ELSEWHERE)
    if query.areas and nearby.any():
        running = nearby
    return running


def _area_fit_all(query: InitiativeFeatures, directory: Directory) -> np.ndarray:
    """``signals.area_fit`` for every slot: the best over the asked areas of the same area,
    a wider one containing it, or a narrower one inside it; citywide roles their own value."""
    n = directory.slots
    citywide = directory.citywide
    if not query.areas:
        return np.where(citywide, 1.0, signals.LOCAL_ROLE_WITHOUT_AREA)
    fit = np.zeros(n)

    def at_least(codes: Sequence[str], value: float, *, known: bool) -> None:
        for code in codes:
            slots = directory.area_slots(code, known=known)
            if slots is not None:
                fit[slots] = np.maximum(fit[slots], value)

    def over_the_tree(known: bool) -> None:
        for area in query.areas:
            at_least((area,), signals.SAME_AREA, known=known)
            at_least(directory.ancestors.get(area, ()), signals.WIDER_AREA, known=known)
            at_least(directory.descendants.get(area, ()), signals.NARROWER_AREA, known=known)

    over_the_tree(known=False)
    fit[citywide] = signals.CITYWIDE
    over_the_tree(known=True)  # places the profile names only ever raise the fit
    return fit


def score_contact(
    query: InitiativeFeatures,
    contact: ContactFeatures,
    directory: Directory,
    *,
    weights: Weights,
    bm25: float,
    best_bm25: float,
    capacity_left: int | None = None,
    track_record: TrackRecord | None = None,
    explain: bool = True,
) -> Match:
    """One contact's score for an analysed initiative; with ``explain``, also its reasons
    and matched words (the costly part, so ``rank`` explains only what it returns)."""
    profile = contact.profile
    topic = _topic(query, contact, directory, weights=weights, bm25=bm25, best_bm25=best_bm25)
    text, theme, need, network = topic.text, topic.theme, topic.need, topic.network
    relevance = topic.relevance

    fit, via = signals.area_fit(
        query.areas, contact.areas, directory.ancestors, contact.known_places
    )
    local = signals.local_first_contact(contact.broad, fit) if query.areas else 0.0
    topical = relevance
    relevance = max(relevance, weights.local * local)
    place = weights.area_floor + (1 - weights.area_floor) * fit
    left = profile.capacity_left if capacity_left is None else capacity_left
    is_open = signals.openness(profile.open_to_initiatives)
    room = signals.capacity(left)
    readiness = (weights.openness_floor + (1 - weights.openness_floor) * is_open) * (
        weights.capacity_floor + (1 - weights.capacity_floor) * room
    )
    speaks = None
    if query.language == ENGLISH:
        speaks = signals.speaks_the_language(contact.english)
        readiness *= weights.language_floor + (1 - weights.language_floor) * speaks
    if track_record is None:
        experience, track = None, 1.0
    else:
        experience = _experience(track_record, query, weights)
        track = _track_factor(experience, weights)
    score = min(1.0, relevance * place * readiness * track)

    numbers = {
        "text": text,
        "theme": theme,
        "need": need,
        "network": network,
        "area": fit,
        "openness": is_open,
        "capacity": room,
        "relevance": relevance,
        "topical": topical,
        "local": local,
    }
    if speaks is not None:
        numbers["language"] = speaks
    if experience is not None:
        numbers["experience"] = experience
    if not explain:
        return Match(
            key=profile.key,
            score=round(score, 4),
            reasons=(),
            needs_covered=topic.covered,
            signals=numbers,
        )
    matched_words = _matched_words(query, contact, directory)
    reasons = [
        *_topic_reasons(query, contact, directory, weights, topic, matched_words),
        *_place_and_readiness_reasons(
            query,
            contact,
            directory,
            weights,
            fit=fit,
            via=via,
            local=local,
            speaks=speaks,
            is_open=is_open,
            room=room,
            left=left,
        ),
    ]
    if experience is not None:
        reasons.append(
            Reason(
                "experience",
                round(experience, 3),
                weights.experience,
                sentences.experience_detail(track_record, query.themes, directory.vocabulary),
            )
        )
    reasons = [replace(r, weight=round(r.weight, 3)) for r in reasons]
    return Match(
        key=profile.key,
        score=round(score, 4),
        reasons=tuple(reasons),
        needs_covered=topic.covered,
        matched_terms=matched_words,
        signals=numbers,
    )


class _Topic(NamedTuple):
    """How well a contact fits the subject: the topical signals and their weighted mean."""

    text: float
    theme: float
    need: float
    network: float
    network_applies: bool
    named: dict[str, str]  # organisations the initiative names that the contact reaches
    covered: tuple[str, ...]  # the needs asked for that the contact can answer
    total_weight: float
    relevance: float


def _topic(
    query: InitiativeFeatures,
    contact: ContactFeatures,
    directory: Directory,
    *,
    weights: Weights,
    bm25: float,
    best_bm25: float,
) -> _Topic:
    """The subject: words (coherent with the themes), themes, network and needs, weighed."""
    theme = signals.theme_overlap(query.themes, contact.themes, directory.related)
    text = signals.coherent_text(
        signals.text_relevance(bm25, best_bm25, query.reach),
        theme,
        min(1.0, sum(query.themes.values())),
    )
    named = {
        token: name
        for token, name in contact.network_tokens.items()
        if token in query.named_partners
    }
    network = signals.network_reach(query.partner_kinds, contact.network_kinds, bool(named))
    network_applies = bool(query.partner_kinds or query.named_partners)
    capability = dict(contact.capability)
    # Knowledge is topical: whoever knows the subject can share it. Network needs are met by
    # a network that reaches the partners asked for.
    capability["knowledge"] = max(capability.get("knowledge", 0.0), 0.5 * text + 0.5 * theme)
    if network_applies:
        for kind in ("network", "partnership"):
            capability[kind] = max(capability.get(kind, 0.0), network)
    need = signals.need_fit(query.needs, capability)
    covered = tuple(
        kind for kind, w in query.needs.items() if w >= 0.5 and capability.get(kind, 0) >= 0.5
    )

    topic = [("text", weights.text, text), ("theme", weights.theme, theme)]
    if query.needs:
        topic.append(("need", weights.need, need))
    if network_applies:
        topic.append(("network", weights.network, network))
    total_weight = sum(w for _, w, _ in topic) or 1.0
    relevance = sum(w * v for _, w, v in topic) / total_weight

    return _Topic(
        text, theme, need, network, network_applies, named, covered, total_weight, relevance
    )


def _matched_words(
    query: InitiativeFeatures, contact: ContactFeatures, directory: Directory
) -> tuple[str, ...]:
    """Only words the initiator wrote (not the labels of ticked themes), rarest first."""
    term_counts = contact.term_counts
    matched = sorted(
        (t for t in query.surface if t in term_counts),
        key=lambda t: -directory.idf(t),
    )[:8]
    return tuple(dict.fromkeys(query.surface.get(t, t) for t in matched))


def _topic_reasons(
    query: InitiativeFeatures,
    contact: ContactFeatures,
    directory: Directory,
    weights: Weights,
    topic: _Topic,
    matched_words: tuple[str, ...],
) -> list[Reason]:
    """The reasons about the subject: words, themes, needs and, when it counts, network."""
    vocabulary = directory.vocabulary
    total_weight, covered = topic.total_weight, topic.covered
    shared_themes = [
        sentences.theme_label(vocabulary, slug)
        for slug in sorted(query.themes, key=lambda t: -query.themes[t])
        if contact.themes.get(slug, 0) >= 0.5
    ]
    reasons = [
        Reason(
            "text",
            round(topic.text, 3),
            weights.text / total_weight,
            sentences.text_detail(matched_words),
        ),
        Reason(
            "theme",
            round(topic.theme, 3),
            weights.theme / total_weight,
            sentences.theme_detail(shared_themes),
        ),
    ]
    if query.needs:
        asked = [k for k, w in query.needs.items() if w >= 0.5]
        reasons.append(
            Reason(
                "need",
                round(topic.need, 3),
                weights.need / total_weight,
                sentences.need_detail(
                    [sentences.need_phrase(vocabulary, k) for k in covered],
                    [sentences.need_phrase(vocabulary, k) for k in asked if k not in covered],
                )
                if asked
                else sentences.need_detail(
                    [], [sentences.need_phrase(vocabulary, k) for k in query.needs]
                ),
            )
        )
    if topic.network_applies:
        reached = sorted(query.partner_kinds & contact.network_kinds)
        reasons.append(
            Reason(
                "network",
                round(topic.network, 3),
                weights.network / total_weight,
                sentences.network_detail(
                    list(topic.named.values()),
                    [
                        vocabulary.partner_kinds[k][0]
                        for k in reached
                        if k in vocabulary.partner_kinds
                    ],
                ),
            )
        )
    return reasons


def _place_and_readiness_reasons(
    query: InitiativeFeatures,
    contact: ContactFeatures,
    directory: Directory,
    weights: Weights,
    *,
    fit: float,
    via: str | None,
    local: float,
    speaks: float | None,
    is_open: float,
    room: float,
    left: int,
) -> list[Reason]:
    """The reasons about place (area, an area's first contact) and readiness (language,
    openness, room)."""
    known = via is not None and via not in contact.areas and via in contact.known_places
    reasons = [
        Reason(
            "area",
            round(fit, 3),
            1 - weights.area_floor,
            sentences.area_detail(
                asked=query.areas,
                served=contact.areas,
                fit=fit,
                via=via,
                known=known,
                areas=directory.areas,
            ),
        )
    ]
    if local:
        area = directory.areas.get(via) if via else None
        reasons.append(
            Reason(
                "local",
                local,
                weights.local,
                sentences.local_detail(area.name if area else sentences.join(list(query.areas))),
            )
        )
    if speaks is not None:
        reasons.append(
            Reason(
                "language",
                speaks,
                round(1 - weights.language_floor, 3),
                sentences.language_detail(speaks),
            )
        )
    reasons.append(
        Reason("openness", is_open, 1 - weights.openness_floor, sentences.openness_detail(is_open))
    )
    reasons.append(
        Reason(
            "capacity", round(room, 3), 1 - weights.capacity_floor, sentences.capacity_detail(left)
        )
    )
    return reasons


def _experience(record: TrackRecord, query: InitiativeFeatures, weights: Weights) -> float:
    return signals.track_record(
        record.helpful,
        record.not_helpful,
        record.by_theme,
        query.themes,
        prior_strength=weights.prior_strength,
    )


def _track_factor(experience: float, weights: Weights) -> float:
    """``track = 1 + experience_weight · (2 · track record - 1)``."""
    return 1 + weights.experience * (2 * experience - 1)


def rerank(
    scored: list[Match],
    query: InitiativeFeatures,
    directory: Directory,
    *,
    weights: Weights,
    limit: int,
) -> list[Match]:
    """Greedy coverage-aware selection over the best ``3 × limit`` by score. An area's general
    first contact counts once: a second one (a colleague of the same area) comes last."""
    pool = sorted(scored, key=lambda m: (-m.score, m.key))[: max(3 * limit, limit)]
    chosen: list[Match] = []
    covered: set[str] = set()
    need_weight = sum(query.needs.values()) or 1.0
    has_local = False
    features = {m.key: directory.contact(m.key) for m in pool}
    # Each candidate's greatest similarity to those chosen so far, brought up to date with
    # each newly chosen one only (max over all chosen, without comparing every pair again).
    similarity = dict.fromkeys(features, 0.0)
    while pool and len(chosen) < limit:

        def gain(match: Match) -> float:
            novel = sum(query.needs.get(k, 0.0) for k in match.needs_covered if k not in covered)
            bonus = (
                weights.novelty * novel / need_weight - weights.redundancy * similarity[match.key]
            )
            return match.score * (1 + bonus)

        # One first contact of the area, not a row of them: a second comes after everyone
        # else in the running. max() keeps the first of equals, and the pool is in score
        # order: deterministic.
        others = [m for m in pool if not m.signals.get("local")] if has_local else pool
        best = max(others or pool, key=gain)
        pool.remove(best)
        chosen.append(best)
        covered.update(best.needs_covered)
        has_local = has_local or bool(best.signals.get("local"))
        newest = features[best.key]
        for match in pool:
            similarity[match.key] = max(
                similarity[match.key], _similarity(features[match.key], newest)
            )
    return chosen


def _similarity(a: ContactFeatures, b: ContactFeatures) -> float:
    """How alike two profiles are: the same unit, and the Jaccard overlap of their themes."""
    same_unit = 1.0 if a.profile.unit.key == b.profile.unit.key else 0.0
    themes_a, themes_b = set(a.themes), set(b.themes)
    union = themes_a | themes_b
    overlap = len(themes_a & themes_b) / len(union) if union else 0.0
    return 0.5 * same_unit + 0.5 * overlap
