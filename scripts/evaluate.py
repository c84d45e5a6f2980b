"""Measure the ranking engine against a labelled set, next to two keyword baselines.

Usage: python scripts/evaluate.py [--set PATH] [--json PATH] [--verbose]

Prints nDCG@5, key-contact Recall@5, MRR and bad@5 for the engine, BM25 and fuzzy matching
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
    parser.add_argument("--set", type=Path, default=metrics.DEFAULT_SET, help="labelled set")
    parser.add_argument("--json", type=Path, help="also write the metrics to this file")
    parser.add_argument("--verbose", "-v", action="store_true", help="one line per case")
    args = parser.parse_args()

    started = time.perf_counter()
    data = metrics.load_dataset(args.set)
    results = metrics.evaluate(data, metrics.systems(data))
    elapsed = time.perf_counter() - started

    print(f"{args.set}: {len(data.cases)} cases, {len(data.contacts)} contacts")
    if args.verbose:
        print("\n".join(metrics.format_case_lines(data, results)))
        print()
    print(metrics.format_table(results))
    print(f"({elapsed:.2f} s)")
    if args.json:
        summary = metrics.as_json(data, results) | {"set": str(args.set)}
        args.json.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
