"""The signals. Each is a small function returning a number in [0, 1]; its docstring gives
the formula. They read prepared features (``matching.index``), never a database."""

import math
from collections.abc import Mapping

# The share of a query's reach (see text_relevance) the best text match must have to count as
# a full match.
TEXT_REACH_SHARE = 0.5
# What text relevance loses, at most, when the contact works on none of the themes, and how
# sure the themes must be (one telling word) for that.
INCOHERENT_TEXT, SURE_THEME = 0.6, 0.35
# How much a related theme counts towards an asked theme.
RELATED_THEME_CREDIT = 0.3
# Area fit over the hierarchy (buurt in wijk in stadsdeel). Subject comes first: among people
# who know the subject, the one closest by comes first, but a citywide specialist is never
# far behind a local one (see matching.rank); someone bound to another area is.
SAME_AREA, WIDER_AREA, NARROWER_AREA, CITYWIDE, ELSEWHERE = 1.0, 0.9, 0.8, 0.8, 0.0
# With no area asked, a citywide role fits fully and one tied to an area a little less.
LOCAL_ROLE_WITHOUT_AREA = 0.75


def text_relevance(bm25: float, best_bm25: float, reach: float) -> float:
    """BM25 of the contact's text for the initiative's words, relative to the best candidate
    or, when even the best holds few of the words that matter, to a share of what holding them
    all would give: ``bm25 / max(best_bm25, 0.5 · reach, 1)``, where ``reach`` is the BM25 of
    a profile of average length holding every query word any profile holds, once. So one
    word in passing ("zomer" in "het is zo heet in de flat in de zomer") does not look like a
    perfect match because nobody matched more."""
    return min(1.0, bm25 / max(best_bm25, TEXT_REACH_SHARE * reach, 1.0)) if bm25 > 0 else 0.0


def theme_overlap(
    asked: Mapping[str, float], offered: Mapping[str, float], related: Mapping[str, tuple[str, ...]]
) -> float:
    """Share of the initiative's theme weight the contact covers, as sure as the initiative's
    themes are: ``Σ_t q_t · max(c_t, 0.3 · max_{r related to t} c_r) / max(Σ_t q_t, 1)``. A
    theme read from one word in passing (q = 0.4) is no reason to rank everyone who works
    on it as if the resident had ticked it."""
    total = sum(asked.values())
    if total <= 0:
        return 0.0
    total = max(total, 1.0)
    covered = 0.0
    for theme, weight in asked.items():
        direct = offered.get(theme, 0.0)
        nearby = max((offered.get(r, 0.0) for r in related.get(theme, ())), default=0.0)
        covered += weight * max(direct, RELATED_THEME_CREDIT * nearby)
    return covered / total


def coherent_text(text: float, theme: float, confidence: float) -> float:
    """Text relevance, less where the contact's portfolio covers little of the initiative's
    themes: ``text · (1 - 0.6 · (1 - theme / confidence) · min(1, confidence / 0.35))``, where
    ``confidence = min(1, Σ_t q_t)`` is how sure the initiative's themes are and ``theme`` is
    ``theme_overlap`` (so ``theme / confidence`` is the share of the themes covered). A word
    shared in passing ("kerk" in a poverty adviser's profile, for young people hanging out by
    the church; "school" in a greening adviser's "groene schoolpleinen") is no match when the
    subjects differ, even when the subject was read from a single word."""
    if confidence <= 0:
        return text
    return text * (
        1.0
        - INCOHERENT_TEXT * max(0.0, 1.0 - theme / confidence) * min(1.0, confidence / SURE_THEME)
    )


def area_fit(
    asked: tuple[str, ...],
    served: tuple[str, ...],
    ancestors: Mapping[str, tuple[str, ...]],
    known: tuple[str, ...] = (),
) -> tuple[float, str | None]:
    """Best fit over the initiative's areas: 1 where the contact serves that very area, 0.9
    where it serves a wider area containing it (the wijk or stadsdeel), 0.8 where it serves a
    part of it, 0.8 for a citywide role (no areas), 0 elsewhere. An initiative without an
    area (citywide, or not yet placed) fits a citywide role 1 and a local one 0.75. Areas
    the contact's own words name (``known``: "kent de Vogelbuurt") count as served, but only
    ever raise the fit. Returns the fit and the area that gave it."""
    if not asked:
        return (1.0 if not served else LOCAL_ROLE_WITHOUT_AREA), None
    fit, area = (CITYWIDE, None) if not served else _served_fit(asked, served, ancestors)
    if known:
        known_fit, known_area = _served_fit(asked, known, ancestors)
        if known_fit > fit:
            return known_fit, known_area
    return fit, area


def _served_fit(
    asked: tuple[str, ...], served: tuple[str, ...], ancestors: Mapping[str, tuple[str, ...]]
) -> tuple[float, str | None]:
    best, best_area = ELSEWHERE, None
    served_set = set(served)
    for area in asked:
        if area in served_set:
            return SAME_AREA, area
        for wider in ancestors.get(area, ()):
            if wider in served_set and best < WIDER_AREA:
                best, best_area = WIDER_AREA, wider
        for code in served:
            if area in ancestors.get(code, ()) and best < NARROWER_AREA:
                best, best_area = NARROWER_AREA, code
    return best, best_area


def need_fit(asked: Mapping[str, float], capability: Mapping[str, float]) -> float:
    """Weighted share of the needs the contact can answer: ``Σ_n w_n · cap_n / Σ_n w_n``."""
    total = sum(asked.values())
    if total <= 0:
        return 0.0
    return sum(w * capability.get(kind, 0.0) for kind, w in asked.items()) / total


def network_reach(
    asked_kinds: frozenset[str], offered_kinds: frozenset[str], named_partner_found: bool
) -> float:
    """1 when the contact's network holds an organisation the initiative names; otherwise the
    share of asked partner kinds the network reaches: ``|asked ∩ offered| / |asked|``."""
    if named_partner_found:
        return 1.0
    if not asked_kinds:
        return 0.0
    return len(asked_kinds & offered_kinds) / len(asked_kinds)


def local_first_contact(broad: bool, fit: float) -> float:
    """1 for an area's general first contact (a gebiedsmakelaar: bound to areas, with a broad
    theme) where they serve or know the initiative's area, the area containing it or a part
    of it (``fit ≥ 0.8``); else 0."""
    return 1.0 if broad and fit >= NARROWER_AREA else 0.0


def speaks_the_language(speaks_english: bool) -> float:
    """For a question in English: 1 when the contact speaks English, else 0."""
    return 1.0 if speaks_english else 0.0


def openness(open_to_initiatives: bool) -> float:
    """1 when the contact said they are open to initiatives, else 0."""
    return 1.0 if open_to_initiatives else 0.0


def capacity(capacity_left: int) -> float:
    """Room for new introductions this month: ``min(1, max(0, left) / 2)`` (0 when full)."""
    return min(1.0, max(0, capacity_left) / 2)


def saturate(count: float, scale: float = 1.5) -> float:
    """Evidence that saturates: ``1 - e^(-count / scale)``."""
    return 1.0 - math.exp(-count / scale)


def track_record(
    helpful: float,
    not_helpful: float,
    by_theme: Mapping[str, tuple[float, float]],
    asked: Mapping[str, float],
    *,
    prior_strength: float,
) -> float:
    """Smoothed share of helpful introductions, 0.5 (neutral) without evidence.

    Per contact a Beta(α, α) prior with ``α = prior_strength / 2``:
    ``m = (α + h) / (2α + h + u)``. Per theme the contact's own mean is the prior, with
    ``κ = prior_strength`` pseudo-outcomes: ``m_t = (κ · m + h_t) / (κ + h_t + u_t)``. The value
    is ``Σ_t q_t · m_t / Σ_t q_t`` over the initiative's themes, or ``m`` when it has none.
    So a contact repeatedly unhelpful on one theme drops for that theme only, and a new
    contact starts at exactly 0.5.
    """
    alpha = prior_strength / 2
    overall = (alpha + helpful) / (2 * alpha + helpful + not_helpful)
    total = sum(asked.values())
    if total <= 0:
        return overall
    value = 0.0
    for theme, weight in asked.items():
        good, bad = by_theme.get(theme, (0.0, 0.0))
        value += weight * (prior_strength * overall + good) / (prior_strength + good + bad)
    return value / total
