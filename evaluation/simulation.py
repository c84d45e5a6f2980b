"""A simulated municipality that learns: initiatives ask for introductions, outcomes come from
a hidden "true" relevance, and the engine's experience signal feeds on them.

The truth is the labelled set's judgments: an introduction to a contact graded 2 helps with
probability 0.9, graded 1 with 0.6, anyone else with 0.15. Each round is a month. In it,
``demand`` initiatives like each case (the same needs recur) each look at their top 5 and
ask for ``requests_per_case`` introductions, trying place ``r`` with weight ``1 / r``
(people mostly take the first suggestions). With the capacity signal, open introductions of
the month count against each contact's ``capacityPerMonth`` in the ranking and a full
contact refuses (as the API's 409 does), so the initiator tries the next; without it,
everyone always looks free. At the end of a month all introductions complete, and their
outcomes become track records (per contact and per contact × theme, themes weighted as the
engine reads the initiative).

Reported per round: nDCG@5 of every case with the track records so far (the cases that gave
feedback: "seen"), and of a held-out half that never asks (only what was learned about
contacts and themes carries over), and the share of all introductions that went to the top
10% of contacts by number of introductions.
"""

import math
import random
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from evaluation.metrics import Case, Dataset, K, mean, ndcg
from matching import Directory, TrackRecord, Weights, default_vocabulary, rank

HELPFUL_CHANCE = {2: 0.9, 1: 0.6, 0: 0.15}


@dataclass
class Round:
    number: int
    ndcg_seen: float
    ndcg_held_out: float
    introductions: int
    refused: int


@dataclass
class Simulation:
    rounds: list[Round]
    introductions_per_contact: Counter = field(default_factory=Counter)
    listable: int = 0

    def top_share(self, fraction: float = 0.1) -> float:
        """Share of all introductions that went to the top ``fraction`` of listable contacts
        by number of introductions."""
        total = sum(self.introductions_per_contact.values())
        if not total:
            return 0.0
        top = max(1, math.ceil(fraction * self.listable))
        return sum(n for _, n in self.introductions_per_contact.most_common(top)) / total


class Ledger:
    """Completed outcomes, turned into the engine's track records."""

    def __init__(self) -> None:
        self.totals: dict[str, list[float]] = {}
        self.by_theme: dict[str, dict[str, list[float]]] = {}

    def add(self, key: str, themes: Mapping[str, float], helpful: bool) -> None:
        good, bad = (1.0, 0.0) if helpful else (0.0, 1.0)
        total = self.totals.setdefault(key, [0.0, 0.0])
        total[0] += good
        total[1] += bad
        for theme, weight in themes.items():
            counts = self.by_theme.setdefault(key, {}).setdefault(theme, [0.0, 0.0])
            counts[0] += weight * good
            counts[1] += weight * bad

    def records(self) -> dict[str, TrackRecord]:
        return {
            key: TrackRecord(
                helpful=good,
                not_helpful=bad,
                by_theme={t: (c[0], c[1]) for t, c in self.by_theme.get(key, {}).items()},
            )
            for key, (good, bad) in self.totals.items()
        }


def split(cases: Sequence[Case]) -> tuple[list[Case], list[Case]]:
    """Every other case asks; the rest are held out."""
    return list(cases[::2]), list(cases[1::2])


def simulate(
    data: Dataset,
    *,
    rounds: int = 8,
    requests_per_case: int = 2,
    demand: int = 3,
    capacity: bool = True,
    learn: bool = True,
    seed: int = 0,
    truth: Mapping[int, float] = HELPFUL_CHANCE,
    weights: Weights = Weights(),
) -> Simulation:
    """Run the simulation on the labelled set's home municipality (see the module doc)."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible simulation, not a secret
    municipality = data.cases[0].municipality
    cases = [c for c in data.cases if c.municipality == municipality]
    asking, held_out = split(cases)
    listable = [
        c.profile for c in data.contacts.values() if c.municipality == municipality and c.listable
    ]
    directory = Directory.build(listable, data.areas_of(municipality), default_vocabulary())
    themes = {case.id: directory.analyse_initiative(case.initiative).themes for case in cases}
    ledger = Ledger()
    result = Simulation(rounds=[], listable=len(listable))

    def score(group: Sequence[Case], records: Mapping[str, TrackRecord]) -> float:
        return mean(
            ndcg(
                [
                    m.key
                    for m in rank(
                        case.initiative, directory, weights=weights, limit=K, track_records=records
                    )
                ],
                case.judgments,
            )
            for case in group
        )

    for number in range(rounds + 1):
        records = ledger.records() if learn else {}
        made, refused = 0, 0
        if number < rounds:
            open_this_month: Counter = Counter()
            outcomes: list[tuple[Case, str]] = []
            # ``demand`` initiatives like each asking case per month, in random order.
            month = [case for case in asking for _ in range(demand)]
            for case in rng.sample(month, len(month)):
                left = (
                    {
                        key: max(0, directory.contact(key).profile.capacity_per_month - n)
                        for key, n in open_this_month.items()
                    }
                    if capacity
                    else None
                )
                suggestions = [
                    m.key
                    for m in rank(
                        case.initiative,
                        directory,
                        weights=weights,
                        limit=K,
                        capacity_left=left,
                        track_records=records,
                    )
                ]
                asked = 0
                for key in _order_of_trying(suggestions, rng):
                    if asked == requests_per_case:
                        break
                    full = open_this_month[key] >= directory.contact(key).profile.capacity_per_month
                    if capacity and full:
                        refused += 1
                        continue
                    open_this_month[key] += 1
                    outcomes.append((case, key))
                    asked += 1
            for case, key in outcomes:
                chance = truth[case.judgments.get(key, 0)]
                ledger.add(key, themes[case.id], rng.random() < chance)
                result.introductions_per_contact[key] += 1
            made = len(outcomes)
        result.rounds.append(
            Round(
                number=number,
                ndcg_seen=score(asking, records),
                ndcg_held_out=score(held_out, records),
                introductions=made,
                refused=refused,
            )
        )
    return result


def _order_of_trying(suggestions: list[str], rng: random.Random) -> list[str]:
    """The suggestions in the order an initiator tries them: each next one drawn from those
    left, place r with weight 1 / r."""
    pool = list(suggestions)
    chosen = []
    while pool:
        weights = [1 / (i + 1) for i in range(len(pool))]
        pick = rng.choices(range(len(pool)), weights=weights)[0]
        chosen.append(pool.pop(pick))
    return chosen
