"""The learning-loop simulation: feedback from the true relevance must raise nDCG, feedback
from its opposite must lower it (or the test could not fail), and the capacity signal must
spread introductions over more people."""

import pytest

from evaluation import metrics
from evaluation.simulation import HELPFUL_CHANCE, Ledger, Simulation, simulate

ROUNDS = 3


@pytest.fixture(scope="module")
def labelled() -> metrics.Dataset:
    return metrics.load_dataset(metrics.DEFAULT_SET)


@pytest.fixture(scope="module")
def learning(labelled: metrics.Dataset) -> Simulation:
    return simulate(labelled, rounds=ROUNDS, seed=3)


def test_true_feedback_raises_ndcg_of_the_initiatives_that_gave_it(learning: Simulation) -> None:
    start, end = learning.rounds[0], learning.rounds[-1]
    assert end.ndcg_seen > start.ndcg_seen + 0.02
    assert all(r.introductions > 0 for r in learning.rounds[:-1])


def test_inverted_feedback_lowers_it(labelled: metrics.Dataset) -> None:
    inverted = {grade: 1 - chance for grade, chance in HELPFUL_CHANCE.items()}
    result = simulate(labelled, rounds=ROUNDS, seed=3, truth=inverted)
    assert result.rounds[-1].ndcg_seen < result.rounds[0].ndcg_seen - 0.02


def test_without_learning_nothing_moves(labelled: metrics.Dataset) -> None:
    result = simulate(labelled, rounds=2, seed=3, learn=False)
    assert len({r.ndcg_seen for r in result.rounds}) == 1


def test_capacity_spreads_introductions(labelled: metrics.Dataset, learning: Simulation) -> None:
    unlimited = simulate(labelled, rounds=ROUNDS, seed=3, capacity=False)
    assert learning.top_share() < unlimited.top_share()
    assert sum(learning.introductions_per_contact.values()) == sum(
        unlimited.introductions_per_contact.values()
    )


def test_top_share_by_hand() -> None:
    result = Simulation(rounds=[], listable=20)
    result.introductions_per_contact.update({"a": 6, "b": 3, "c": 1})
    # The top 10% of 20 listable contacts are 2 people: 9 of 10 introductions.
    assert result.top_share() == pytest.approx(0.9)


def test_ledger_weighs_themes() -> None:
    ledger = Ledger()
    ledger.add("a", {"wonen": 1.0, "jeugd": 0.5}, helpful=True)
    ledger.add("a", {"wonen": 1.0}, helpful=False)
    record = ledger.records()["a"]
    assert (record.helpful, record.not_helpful) == (1.0, 1.0)
    assert record.by_theme == {"wonen": (1.0, 1.0), "jeugd": (0.5, 0.0)}
