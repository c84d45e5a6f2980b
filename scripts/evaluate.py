"""Measure the ranking engine against the labelled sets, next to two keyword baselines.

Usage: python scripts/evaluate.py [--set PATH ...] [--json PATH] [--verbose]

Without ``--set`` it reports every labelled set in the repository (evaluation/metrics.py
``LABELLED_SETS``). For each set and each kind of case (long initiatives, short questions) it
prints nDCG@5, key-contact Recall@5, MRR, key@3 ("a key person in the top 3"), clean@3
("nobody embarrassing in the top 3") and bad@5 for the engine, BM25 and fuzzy matching
(definitions in evaluation/metrics.py).
"""

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from evaluation import metrics


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--set",
        type=Path,
        action="append",
        dest="sets",
        help="a labelled set (repeat for several; default: every set in evaluation/)",
    )
    parser.add_argument("--json", type=Path, help="also write the metrics to this file")
    parser.add_argument("--verbose", "-v", action="store_true", help="one line per case")
    args = parser.parse_args()

    sets = args.sets or [path for path in metrics.LABELLED_SETS if path.exists()]
    summary: dict[str, dict] = {}
    for path in sets:
        started = time.perf_counter()
        data = metrics.load_dataset(path)
        results = metrics.evaluate(data, metrics.systems(data))
        elapsed = time.perf_counter() - started
        print(f"{path}: {len(data.cases)} cases, {len(data.contacts)} contacts ({elapsed:.2f} s)")
        if args.verbose:
            print("\n".join(metrics.format_case_lines(data, results)))
            print()
        print(metrics.format_table(results))
        print()
        summary[str(path)] = metrics.as_json(data, results)
    if args.json:
        args.json.write_text(json.dumps({"sets": summary}, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
