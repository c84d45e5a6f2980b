"""Each signal at its boundaries, against the formula in its docstring."""

import math

import pytest

from matching import Directory, Weights, signals
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
    assert text_relevance(bm25, best, reach=0.0) == pytest.approx(expected)


def test_a_best_match_on_few_of_the_words_that_matter_does_not_look_perfect() -> None:
    # Nobody holds more than a word in passing (a fifth of what holding every word would
    # give): the best of them is not a perfect match because it is the best.
    reach = 20.0
    best = 0.2 * reach
    assert text_relevance(best, best, reach) == pytest.approx(
        best / (signals.TEXT_REACH_SHARE * reach)
    )
    assert text_relevance(best, best, reach) < 1.0
    # Who holds most of them is.
    assert text_relevance(0.9 * reach, 0.9 * reach, reach) == 1.0


# --- theme_overlap -----------------------------------------------------------------------------

RELATED = {"eenzaamheid": ("sociale-cohesie", "zorg"), "jeugd": ("onderwijs",)}


def test_theme_overlap_is_one_when_all_asked_themes_are_offered_fully() -> None:
    asked = {"eenzaamheid": 1.0, "jeugd": 0.5}
    assert theme_overlap(asked, {"eenzaamheid": 1.0, "jeugd": 1.0}, RELATED) == 1.0


def test_theme_overlap_is_zero_without_shared_or_related_themes() -> None:
    assert theme_overlap({"eenzaamheid": 1.0}, {"mobiliteit": 1.0}, RELATED) == 0.0


def test_a_theme_read_in_passing_gives_less_than_a_ticked_one() -> None:
    # One telling word (weight 0.4) is not the resident ticking the theme (1).
    offered = {"jeugd": 1.0}
    assert theme_overlap({"jeugd": 0.4}, offered, RELATED) == pytest.approx(0.4)
    assert theme_overlap({"jeugd": 1.0}, offered, RELATED) == 1.0


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


SAME, WIDER, NARROWER = signals.SAME_AREA, signals.WIDER_AREA, signals.NARROWER_AREA
CITYWIDE, ELSEWHERE = signals.CITYWIDE, signals.ELSEWHERE


@pytest.mark.parametrize(
    ("asked", "served", "expected"),
    [
        ((JAVAPLEIN,), (JAVAPLEIN,), (SAME, JAVAPLEIN)),
        ((JAVAPLEIN,), (SUMATRA, JAVAPLEIN), (SAME, JAVAPLEIN)),
        ((INDISCHE_BUURT,), (INDISCHE_BUURT,), (SAME, INDISCHE_BUURT)),
        # Wider: the wijk or the stadsdeel that contains the buurt.
        ((JAVAPLEIN,), (INDISCHE_BUURT,), (WIDER, INDISCHE_BUURT)),
        ((JAVAPLEIN,), (OOST,), (WIDER, OOST)),
        ((INDISCHE_BUURT,), (OOST,), (WIDER, OOST)),
        # Narrower: a part of the asked area.
        ((INDISCHE_BUURT,), (JAVAPLEIN,), (NARROWER, JAVAPLEIN)),
        ((OOST,), (BETONDORP,), (NARROWER, BETONDORP)),
        ((OOST,), (WATERGRAAFSMEER,), (NARROWER, WATERGRAAFSMEER)),
        # Citywide: a role without areas.
        ((JAVAPLEIN,), (), (CITYWIDE, None)),
        ((OOST,), (), (CITYWIDE, None)),
        # Elsewhere: a sibling buurt, another wijk, another stadsdeel.
        ((JAVAPLEIN,), (SUMATRA,), (ELSEWHERE, None)),
        ((JAVAPLEIN,), (WATERGRAAFSMEER,), (ELSEWHERE, None)),
        ((JAVAPLEIN,), (WEST,), (ELSEWHERE, None)),
        ((JAVAPLEIN,), (KOLENKIT, BOS_EN_LOMMER), (ELSEWHERE, None)),
        # Unknown codes are simply elsewhere.
        (("GEEN-GEBIED",), (JAVAPLEIN,), (ELSEWHERE, None)),
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
        WIDER,
        INDISCHE_BUURT,
    )
    assert area_fit((KOLENKIT, INDISCHE_BUURT), (JAVAPLEIN,), ancestors) == (NARROWER, JAVAPLEIN)
    assert area_fit((JAVAPLEIN, KOLENKIT), (KOLENKIT,), ancestors)[0] == SAME
    # Wider beats narrower, whichever comes first.
    assert area_fit((INDISCHE_BUURT,), (JAVAPLEIN, OOST), ancestors) == (WIDER, OOST)


def test_area_fit_without_an_asked_area_prefers_citywide_roles(
    ancestors: dict[str, tuple[str, ...]],
) -> None:
    assert area_fit((), (), ancestors) == (1.0, None)
    assert area_fit((), (JAVAPLEIN,), ancestors) == (signals.LOCAL_ROLE_WITHOUT_AREA, None)
    assert area_fit((), (OOST, WEST), ancestors) == (signals.LOCAL_ROLE_WITHOUT_AREA, None)


def test_a_place_the_profile_names_only_ever_raises_the_fit(
    ancestors: dict[str, tuple[str, ...]],
) -> None:
    # "Kent de Javaplein goed": a citywide role, or one for the whole stadsdeel, that knows
    # the very buurt fits it as well as someone who serves it.
    assert area_fit((JAVAPLEIN,), (), ancestors, known=(JAVAPLEIN,)) == (SAME, JAVAPLEIN)
    assert area_fit((JAVAPLEIN,), (OOST,), ancestors, known=(JAVAPLEIN,)) == (SAME, JAVAPLEIN)
    # Knowing another place costs nothing: the fit stays what the served areas give.
    assert area_fit((JAVAPLEIN,), (), ancestors, known=(KOLENKIT,)) == (CITYWIDE, None)
    assert area_fit((JAVAPLEIN,), (OOST,), ancestors, known=(KOLENKIT,)) == (WIDER, OOST)


def test_area_fit_orders_the_levels() -> None:
    # The area itself, then the wijk or stadsdeel around it, then a part of it or a citywide
    # role, and someone bound to another area far behind.
    assert SAME > WIDER > NARROWER >= CITYWIDE > ELSEWHERE == 0.0


def test_subject_first_a_citywide_specialist_is_never_far_behind_a_local_colleague() -> None:
    """A broker's rule: subject first, then the one closest by. Place multiplies the score,
    so a local contact outranks a citywide one on place alone only when their topical fit is
    within this ratio of the specialist's; someone bound to another area needs four times
    the fit."""
    floor = Weights().area_floor

    def place(fit: float) -> float:
        return floor + (1 - floor) * fit

    assert place(CITYWIDE) / place(SAME) >= 0.85
    assert place(ELSEWHERE) / place(SAME) <= 0.25


def test_local_first_contact_needs_a_broad_role_and_the_area() -> None:
    assert signals.local_first_contact(True, SAME) == 1.0
    assert signals.local_first_contact(True, WIDER) == 1.0
    assert signals.local_first_contact(True, NARROWER) == 1.0
    assert signals.local_first_contact(True, ELSEWHERE) == 0.0
    assert signals.local_first_contact(False, SAME) == 0.0


def test_coherent_text_drops_a_word_shared_in_passing_when_the_subjects_differ() -> None:
    # The initiative is surely about a theme the contact does not work on: text counts less.
    assert signals.coherent_text(1.0, 0.0, 1.0) == pytest.approx(1 - signals.INCOHERENT_TEXT)
    # The contact works on it: text counts fully.
    assert signals.coherent_text(0.8, 1.0, 1.0) == pytest.approx(0.8)
    # It is the share of the themes covered that counts: a single telling word (0.35 sure) is
    # subject enough, so a contact who covers none of it loses as much as for sure themes ...
    assert signals.coherent_text(1.0, 0.0, 0.4) == pytest.approx(1 - signals.INCOHERENT_TEXT)
    assert signals.coherent_text(0.8, 0.3, 0.4) == pytest.approx(
        0.8 * (1 - signals.INCOHERENT_TEXT * 0.25)
    )
    # ... while a theme read from an everyday word in passing (0.2 sure) takes off less.
    assert signals.coherent_text(1.0, 0.0, 0.2) == pytest.approx(
        1 - 0.2 / signals.SURE_THEME * signals.INCOHERENT_TEXT
    )
    assert signals.coherent_text(1.0, 0.0, 0.0) == 1.0


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
