"""Simulate the learning loop on the labelled set: nDCG over rounds, and how concentrated
introductions get with and without the capacity signal.

Usage: python scripts/simulate_learning.py [--rounds 8] [--seeds 5] [--json PATH]

See evaluation/simulation.py for the model. Every figure is a mean over the seeds; the same
seeds give the same figures.
"""

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from evaluation.metrics import load_dataset, mean
from evaluation.simulation import simulate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=8, help="months to simulate")
    parser.add_argument("--seeds", type=int, default=5, help="runs to average")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()

    started = time.perf_counter()
    data = load_dataset()
    runs = {
        name: [
            simulate(data, rounds=args.rounds, seed=seed, **options) for seed in range(args.seeds)
        ]
        for name, options in {
            "learning, capacity": {},
            "learning, no capacity": {"capacity": False},
            "no learning, capacity": {"learn": False},
            "no learning, no capacity": {"learn": False, "capacity": False},
        }.items()
    }
    elapsed = time.perf_counter() - started

    print(f"{args.seeds} seeds, {args.rounds} rounds ({elapsed:.1f} s)\n")
    print("| round | nDCG@5 seen | nDCG@5 held out | nDCG@5 seen, no learning |")
    print("|---|---|---|---|")
    rows = []
    for number in range(args.rounds + 1):
        row = {
            "round": number,
            "ndcgSeen": mean(r.rounds[number].ndcg_seen for r in runs["learning, capacity"]),
            "ndcgHeldOut": mean(r.rounds[number].ndcg_held_out for r in runs["learning, capacity"]),
            "ndcgSeenWithoutLearning": mean(
                r.rounds[number].ndcg_seen for r in runs["no learning, capacity"]
            ),
        }
        rows.append(row)
        print(
            f"| {number} | {row['ndcgSeen']:.3f} | {row['ndcgHeldOut']:.3f} "
            f"| {row['ndcgSeenWithoutLearning']:.3f} |"
        )
    print("\n| run | introductions to the top 10% of contacts | refused (contact full) |")
    print("|---|---|---|")
    concentration = {}
    for name, results in runs.items():
        share = mean(r.top_share() for r in results)
        refused = mean(sum(x.refused for x in r.rounds) for r in results)
        concentration[name] = share
        print(f"| {name} | {share:.1%} | {refused:.1f} |")
    if args.json:
        summary = {"seeds": args.seeds, "rounds": rows, "topTenPercentShare": concentration}
        args.json.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
