"""Each signal at its boundaries, against the formula in its docstring."""

import math

import pytest

from matching import Directory, signals
from matching.signals import (
    RELATED_THEME_CREDIT,
    area_fit,
    capacity,
    need_fit,
    network_reach,
    openness,
    saturate,
    text_relevance,
    theme_overlap,
)
from tests.matching.municipality import (
    BETONDORP,
    BOS_EN_LOMMER,
    INDISCHE_BUURT,
    JAVAPLEIN,
    KOLENKIT,
    OOST,
    SUMATRA,
    WATERGRAAFSMEER,
    WEST,
)

# --- text_relevance ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bm25", "best", "expected"),
    [
        (0.0, 5.0, 0.0),
        (-1.0, 5.0, 0.0),
        (5.0, 5.0, 1.0),
        (2.0, 8.0, 0.25),
        (9.0, 8.0, 1.0),  # never above 1
        # The floor: a best match weaker than 1 does not look perfect.
        (0.5, 0.5, 0.5),
        (0.2, 0.4, 0.2),
        (1.0, 1.0, 1.0),
        (0.3, 0.0, 0.3),
    ],
)
def test_text_relevance(bm25: float, best: float, expected: float) -> None:
    assert text_relevance(bm25, best) == pytest.approx(expected)


# --- theme_overlap -----------------------------------------------------------------------------

RELATED = {"eenzaamheid": ("sociale-cohesie", "zorg"), "jeugd": ("onderwijs",)}


def test_theme_overlap_is_one_when_all_asked_themes_are_offered_fully() -> None:
    asked = {"eenzaamheid": 1.0, "jeugd": 0.5}
    assert theme_overlap(asked, {"eenzaamheid": 1.0, "jeugd": 1.0}, RELATED) == 1.0


def test_theme_overlap_is_zero_without_shared_or_related_themes() -> None:
    assert theme_overlap({"eenzaamheid": 1.0}, {"mobiliteit": 1.0}, RELATED) == 0.0


def test_theme_overlap_is_zero_when_nothing_is_asked() -> None:
    assert theme_overlap({}, {"jeugd": 1.0}, RELATED) == 0.0
    assert theme_overlap({"jeugd": 0.0}, {"jeugd": 1.0}, RELATED) == 0.0


def test_theme_overlap_weighs_by_the_asked_weight() -> None:
    asked = {"eenzaamheid": 0.75, "jeugd": 0.25}
    assert theme_overlap(asked, {"eenzaamheid": 1.0}, RELATED) == pytest.approx(0.75)
    assert theme_overlap(asked, {"jeugd": 1.0}, RELATED) == pytest.approx(0.25)
    assert theme_overlap(asked, {"eenzaamheid": 0.6}, RELATED) == pytest.approx(0.45)


def test_theme_overlap_gives_related_themes_partial_credit() -> None:
    assert RELATED_THEME_CREDIT == 0.3
    asked = {"eenzaamheid": 1.0}
    assert theme_overlap(asked, {"sociale-cohesie": 1.0}, RELATED) == pytest.approx(0.3)
    assert theme_overlap(asked, {"sociale-cohesie": 0.5}, RELATED) == pytest.approx(0.15)
    # The best related theme counts, not the sum.
    both = {"sociale-cohesie": 1.0, "zorg": 1.0}
    assert theme_overlap(asked, both, RELATED) == pytest.approx(0.3)
    # A direct match counts when it beats the related credit, and only then.
    assert theme_overlap(asked, {"eenzaamheid": 0.2, "zorg": 1.0}, RELATED) == pytest.approx(0.3)
    assert theme_overlap(asked, {"eenzaamheid": 0.6, "zorg": 1.0}, RELATED) == pytest.approx(0.6)


def test_related_credit_is_not_symmetric_by_itself() -> None:
    # Only the asked theme's own list of related themes counts.
    assert theme_overlap({"onderwijs": 1.0}, {"jeugd": 1.0}, RELATED) == 0.0


# --- area_fit ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ancestors(town: Directory) -> dict[str, tuple[str, ...]]:
    return town.ancestors


def test_the_towns_hierarchy(ancestors: dict[str, tuple[str, ...]]) -> None:
    assert ancestors[JAVAPLEIN] == (INDISCHE_BUURT, OOST)
    assert ancestors[INDISCHE_BUURT] == (OOST,)
    assert ancestors[OOST] == ()


@pytest.mark.parametrize(
    ("asked", "served", "expected"),
    [
        ((JAVAPLEIN,), (JAVAPLEIN,), (1.0, JAVAPLEIN)),
        ((JAVAPLEIN,), (SUMATRA, JAVAPLEIN), (1.0, JAVAPLEIN)),
        ((INDISCHE_BUURT,), (INDISCHE_BUURT,), (1.0, INDISCHE_BUURT)),
        # Wider: the wijk or the stadsdeel that contains the buurt.
        ((JAVAPLEIN,), (INDISCHE_BUURT,), (0.85, INDISCHE_BUURT)),
        ((JAVAPLEIN,), (OOST,), (0.85, OOST)),
        ((INDISCHE_BUURT,), (OOST,), (0.85, OOST)),
        # Narrower: a part of the asked area.
        ((INDISCHE_BUURT,), (JAVAPLEIN,), (0.6, JAVAPLEIN)),
        ((OOST,), (BETONDORP,), (0.6, BETONDORP)),
        ((OOST,), (WATERGRAAFSMEER,), (0.6, WATERGRAAFSMEER)),
        # Citywide: a role without areas.
        ((JAVAPLEIN,), (), (0.7, None)),
        ((OOST,), (), (0.7, None)),
        # Elsewhere: a sibling buurt, another wijk, another stadsdeel.
        ((JAVAPLEIN,), (SUMATRA,), (0.0, None)),
        ((JAVAPLEIN,), (WATERGRAAFSMEER,), (0.0, None)),
        ((JAVAPLEIN,), (WEST,), (0.0, None)),
        ((JAVAPLEIN,), (KOLENKIT, BOS_EN_LOMMER), (0.0, None)),
        # Unknown codes are simply elsewhere.
        (("GEEN-GEBIED",), (JAVAPLEIN,), (0.0, None)),
    ],
)
def test_area_fit(
    ancestors: dict[str, tuple[str, ...]],
    asked: tuple[str, ...],
    served: tuple[str, ...],
    expected: tuple[float, str | None],
) -> None:
    assert area_fit(asked, served, ancestors) == expected


def test_area_fit_takes_the_best_over_the_initiatives_areas(
    ancestors: dict[str, tuple[str, ...]],
) -> None:
    assert area_fit((KOLENKIT, JAVAPLEIN), (INDISCHE_BUURT,), ancestors) == (
        0.85,
        INDISCHE_BUURT,
    )
    assert area_fit((KOLENKIT, INDISCHE_BUURT), (JAVAPLEIN,), ancestors) == (0.6, JAVAPLEIN)
    assert area_fit((JAVAPLEIN, KOLENKIT), (KOLENKIT,), ancestors)[0] == 1.0
    # Wider beats narrower, whichever comes first.
    assert area_fit((INDISCHE_BUURT,), (JAVAPLEIN, OOST), ancestors) == (0.85, OOST)


def test_area_fit_without_an_asked_area_prefers_citywide_roles(
    ancestors: dict[str, tuple[str, ...]],
) -> None:
    assert area_fit((), (), ancestors) == (1.0, None)
    assert area_fit((), (JAVAPLEIN,), ancestors) == (0.75, None)
    assert area_fit((), (OOST, WEST), ancestors) == (0.75, None)


def test_area_fit_orders_the_levels() -> None:
    # The wijk or stadsdeel around the buurt beats a citywide role, which beats a colleague
    # in only a part of the area, who still beats someone elsewhere.
    assert (
        signals.SAME_AREA
        > signals.WIDER_AREA
        > signals.CITYWIDE
        > signals.NARROWER_AREA
        > signals.ELSEWHERE
        == 0.0
    )


# --- need_fit ------------------------------------------------------------------------------


def test_need_fit_is_the_weighted_share_of_answered_needs() -> None:
    asked = {"funding": 1.0, "space": 1.0, "permit": 0.5}
    assert need_fit(asked, {"funding": 1.0, "space": 1.0, "permit": 1.0}) == pytest.approx(1.0)
    assert need_fit(asked, {"funding": 1.0}) == pytest.approx(1.0 / 2.5)
    assert need_fit(asked, {"permit": 1.0}) == pytest.approx(0.5 / 2.5)
    assert need_fit(asked, {"space": 0.4, "permit": 0.8}) == pytest.approx((0.4 + 0.4) / 2.5)
    assert need_fit(asked, {"visibility": 1.0}) == 0.0


def test_need_fit_is_zero_without_needs() -> None:
    assert need_fit({}, {"funding": 1.0}) == 0.0
    assert need_fit({"funding": 0.0}, {"funding": 1.0}) == 0.0


# --- network_reach -----------------------------------------------------------------------------


def test_network_reach_is_one_for_a_named_partner() -> None:
    assert network_reach(frozenset(), frozenset(), True) == 1.0
    assert network_reach(frozenset({"housing", "fund"}), frozenset(), True) == 1.0


def test_network_reach_is_the_share_of_asked_partner_kinds() -> None:
    asked = frozenset({"housing", "fund", "education", "community"})
    assert network_reach(asked, frozenset({"housing"}), False) == 0.25
    assert network_reach(asked, frozenset({"housing", "fund", "business"}), False) == 0.5
    assert network_reach(asked, asked | {"research"}, False) == 1.0
    assert network_reach(asked, frozenset({"business"}), False) == 0.0


def test_network_reach_is_zero_when_no_partners_are_asked() -> None:
    assert network_reach(frozenset(), frozenset({"housing"}), False) == 0.0


# --- openness, capacity, saturate -------------------------------------------------------------


def test_openness() -> None:
    assert openness(True) == 1.0
    assert openness(False) == 0.0


@pytest.mark.parametrize(
    ("left", "expected"),
    [(-3, 0.0), (-1, 0.0), (0, 0.0), (1, 0.5), (2, 1.0), (3, 1.0), (40, 1.0)],
)
def test_capacity(left: int, expected: float) -> None:
    assert capacity(left) == expected


def test_saturate() -> None:
    assert saturate(0) == 0.0
    assert saturate(1.5) == pytest.approx(1 - math.exp(-1))
    assert saturate(1, scale=1.0) == pytest.approx(1 - math.exp(-1))
    values = [saturate(n) for n in range(10)]
    assert values == sorted(values)
    assert all(0.0 <= v < 1.0 for v in values)
