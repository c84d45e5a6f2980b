"""The experience signal: outcomes of completed introductions move a contact's score, per
theme, from a neutral start; and warm paths along ``knows`` links."""

import pytest

from matching import InitiativeProfile, TrackRecord, Weights, introduce_via, rank
from matching.signals import track_record
from tests.matching.municipality import build, contact

W = Weights()


def value(record: TrackRecord, asked: dict[str, float]) -> float:
    return track_record(
        record.helpful,
        record.not_helpful,
        record.by_theme,
        asked,
        prior_strength=W.prior_strength,
    )


# --- the signal ---------------------------------------------------------------------------------


def test_a_new_contact_is_exactly_neutral() -> None:
    assert value(TrackRecord(), {}) == 0.5
    assert value(TrackRecord(), {"armoede-en-schulden": 1.0, "jeugd": 0.4}) == 0.5


def test_the_overall_mean_is_the_beta_posterior() -> None:
    # α = 2: (2 + 3) / (4 + 3 + 1)
    assert value(TrackRecord(helpful=3, not_helpful=1), {}) == pytest.approx(5 / 8)


def test_theme_evidence_is_shrunk_towards_the_contacts_own_mean() -> None:
    record = TrackRecord(helpful=2, not_helpful=0, by_theme={"jeugd": (2.0, 0.0)})
    overall = (2 + 2) / (4 + 2)
    assert value(record, {"jeugd": 1.0}) == pytest.approx((4 * overall + 2) / (4 + 2))
    # A theme without evidence gets the contact's overall mean.
    assert value(record, {"wonen": 1.0}) == pytest.approx(overall)


def test_repeated_failure_on_one_theme_drops_that_theme_only() -> None:
    record = TrackRecord(
        helpful=4,
        not_helpful=4,
        by_theme={"jeugd": (0.0, 4.0), "wonen": (4.0, 0.0)},
    )
    assert value(record, {"jeugd": 1.0}) < 0.4
    assert value(record, {"wonen": 1.0}) > 0.6
    # Mixed themes weigh by the initiative's theme weights.
    mixed = value(record, {"jeugd": 1.0, "wonen": 3.0})
    assert value(record, {"jeugd": 1.0}) < mixed < value(record, {"wonen": 1.0})


def test_more_evidence_moves_further_but_stays_in_the_unit_interval() -> None:
    values = [
        value(TrackRecord(helpful=n, by_theme={"jeugd": (n, 0.0)}), {"jeugd": 1})
        for n in (1, 5, 50, 5000)
    ]
    assert values == sorted(values)
    assert values[0] > 0.5 and values[-1] < 1
    worst = value(TrackRecord(not_helpful=5000, by_theme={"jeugd": (0.0, 5000.0)}), {"jeugd": 1})
    assert 0 < worst < 0.01


# --- in rank ------------------------------------------------------------------------------------

SCHULDEN = InitiativeProfile(
    "Wij helpen buren met schulden en armoede: samen de post openen en de stadspas aanvragen.",
    themes=("armoede-en-schulden",),
)


# Learning is about the order of those in the running: everyone who shares something with the
# initiative is let in here, so the records can be seen to move them.
EVERYONE = Weights(running=0.0, minimum=0.0)


def test_without_records_there_is_no_experience_reason_and_scores_do_not_change(town) -> None:
    plain = rank(SCHULDEN, town, limit=5, weights=EVERYONE)
    assert all("experience" not in {r.signal for r in m.reasons} for m in plain)
    neutral = rank(SCHULDEN, town, limit=5, weights=EVERYONE, track_records={})
    assert [(m.key, m.score) for m in neutral] == [(m.key, m.score) for m in plain]
    for match in neutral:
        (experience,) = [r for r in match.reasons if r.signal == "experience"]
        assert experience.value == 0.5
        assert experience.detail == "Heeft nog geen kennismakingen afgerond."


def test_helpful_outcomes_raise_and_unhelpful_ones_lower_a_score(town) -> None:
    def ranked(records: dict) -> dict:
        return {
            m.key: m
            for m in rank(SCHULDEN, town, limit=10, weights=EVERYONE, track_records=records)
        }

    before = {key: m.score for key, m in ranked({}).items()}
    good = TrackRecord(helpful=3, by_theme={"armoede-en-schulden": (3.0, 0.0)})
    bad = TrackRecord(not_helpful=3, by_theme={"armoede-en-schulden": (0.0, 3.0)})
    raised = ranked({"subsidie": good})
    lowered = ranked({"armoede": bad})
    assert raised["subsidie"].score > before["subsidie"]
    assert lowered["armoede"].score < before["armoede"]
    # Others are untouched.
    assert raised["armoede"].score == before["armoede"]
    detail = next(r for r in raised["subsidie"].reasons if r.signal == "experience").detail
    assert detail == (
        "3 van de 3 afgeronde kennismakingen met deze persoon hielpen. Over geldzorgen: 3 van de 3."
    )


def test_a_contact_unhelpful_on_a_theme_falls_below_a_new_colleague(town) -> None:
    # Two equal profiles; one failed repeatedly on this theme.
    twins = build([contact("armoede"), contact("armoede", key="nieuw"), contact("jeugd")])
    even = rank(SCHULDEN, twins, limit=2, track_records={})
    assert even[0].score == even[1].score
    record = TrackRecord(not_helpful=4, by_theme={"armoede-en-schulden": (0.0, 4.0)})
    after = rank(SCHULDEN, twins, limit=2, track_records={"armoede": record})
    assert [m.key for m in after] == ["nieuw", "armoede"]


# Touches every contact used below, so all of them are candidates.
BREED = InitiativeProfile(
    "Wij helpen jongeren en buren met schulden en armoede, en vragen een vergunning voor een "
    "evenement in de buurt.",
    themes=("armoede-en-schulden",),
)

# --- warm paths ---------------------------------------------------------------------------------

GRAPH = {
    "a": ("b",),
    "b": ("a", "c", "d"),
    "c": ("b", "e"),
    "d": ("b",),
    "e": ("c",),
}


def test_introduce_via_finds_a_shortest_chain_source_first() -> None:
    assert introduce_via(GRAPH, "d", {"b"}.__contains__) == ("b",)
    assert introduce_via(GRAPH, "d", {"a"}.__contains__) == ("a", "b")
    assert introduce_via(GRAPH, "d", {"d"}.__contains__) == ()
    # Three hops is too far.
    assert introduce_via(GRAPH, "e", {"a"}.__contains__) is None
    assert introduce_via(GRAPH, "e", {"a"}.__contains__, max_hops=3) == ("a", "b", "c")
    # The nearer of two sources wins.
    assert introduce_via(GRAPH, "e", {"a", "c"}.__contains__) == ("c",)


def test_introduce_via_with_no_links_or_sources() -> None:
    assert introduce_via({}, "x", {"y"}.__contains__) is None
    assert introduce_via(GRAPH, "d", lambda key: False) is None


def test_rank_offers_a_warm_path_from_a_known_contact() -> None:
    # vergunning knows gebiedsmakelaar, who knows armoede: one and two hops.
    town = build(
        [
            contact("vergunning", knows=("gebiedsmakelaar",)),
            contact("gebiedsmakelaar", knows=("armoede",)),
            contact("armoede"),
            contact("subsidie"),
        ]
    )
    found = {m.key: m for m in rank(BREED, town, limit=4, weights=EVERYONE, known=("vergunning",))}
    assert found["armoede"].introduce_via == ("vergunning", "gebiedsmakelaar")
    assert found["gebiedsmakelaar"].introduce_via == ("vergunning",)
    assert found["vergunning"].introduce_via == ()
    assert found["subsidie"].introduce_via == ()
    # Nothing known and everyone open with room: no paths needed.
    assert all(m.introduce_via == () for m in rank(BREED, town, limit=4, weights=EVERYONE))


def test_rank_offers_a_path_to_a_full_or_closed_contact_through_someone_reachable() -> None:
    # Someone full or closed is suggested only when nobody open with room fits (a broker sends
    # the resident to the best reachable person); then with a path through someone reachable.
    town = build(
        [
            contact("armoede", capacity_per_month=0, knows=("subsidie",)),
            contact("subsidie", open_to_initiatives=False, knows=("jeugd",)),
            contact("jeugd"),
        ]
    )
    assert [m.key for m in rank(BREED, town, limit=3, weights=EVERYONE)] == ["jeugd"]
    # Here only armoede fits; groen does not, but is open with room and knows subsidie.
    debts = InitiativeProfile("Schuldhulpverlening en de stadspas.")
    town = build(
        [
            contact("armoede", capacity_per_month=0, knows=("subsidie",)),
            contact("subsidie", open_to_initiatives=False, knows=("groen",)),
            contact("groen"),
        ]
    )
    (found,) = rank(debts, town, limit=3, weights=EVERYONE)
    assert (found.key, found.introduce_via) == ("armoede", ("groen", "subsidie"))
    # Counting open introductions: once groen is full too, nobody reachable is left.
    (full,) = rank(debts, town, limit=3, weights=EVERYONE, capacity_left={"groen": 0})
    assert (full.key, full.introduce_via) == ("armoede", ())
