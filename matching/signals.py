"""The signals. Each is a small function returning a number in [0, 1]; its docstring gives
the formula. They read prepared features (``matching.index``), never a database."""

import math
from collections.abc import Mapping

# How much a related theme counts towards an asked theme.
RELATED_THEME_CREDIT = 0.3
# Area fit over the hierarchy (buurt in wijk in stadsdeel).
SAME_AREA, WIDER_AREA, NARROWER_AREA, CITYWIDE, ELSEWHERE = 1.0, 0.85, 0.6, 0.7, 0.0
# With no area asked, a citywide role fits fully and one tied to an area a little less.
LOCAL_ROLE_WITHOUT_AREA = 0.75


def text_relevance(bm25: float, best_bm25: float) -> float:
    """BM25 of the contact's text for the initiative's words, relative to the best candidate:
    ``bm25 / max(best_bm25, 1)``. The floor keeps a weak best match from looking perfect."""
    return min(1.0, bm25 / max(best_bm25, 1.0)) if bm25 > 0 else 0.0


def theme_overlap(
    asked: Mapping[str, float], offered: Mapping[str, float], related: Mapping[str, tuple[str, ...]]
) -> float:
    """Share of the initiative's theme weight the contact covers:
    ``Σ_t q_t · max(c_t, 0.3 · max_{r related to t} c_r) / Σ_t q_t``."""
    total = sum(asked.values())
    if total <= 0:
        return 0.0
    covered = 0.0
    for theme, weight in asked.items():
        direct = offered.get(theme, 0.0)
        nearby = max((offered.get(r, 0.0) for r in related.get(theme, ())), default=0.0)
        covered += weight * max(direct, RELATED_THEME_CREDIT * nearby)
    return covered / total


def area_fit(
    asked: tuple[str, ...], served: tuple[str, ...], ancestors: Mapping[str, tuple[str, ...]]
) -> tuple[float, str | None]:
    """Best fit over the initiative's areas: 1 where the contact serves that very area, 0.85
    where it serves a wider area containing it (the wijk or stadsdeel), 0.6 where it serves a
    part of it, 0.7 for a citywide role (no areas), 0 elsewhere. An initiative without an
    area (citywide, or not yet placed) fits a citywide role 1 and a local one 0.75.
    Returns the fit and the served area that gave it."""
    if not asked:
        return (1.0 if not served else LOCAL_ROLE_WITHOUT_AREA), None
    if not served:
        return CITYWIDE, None
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
