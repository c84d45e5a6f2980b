"""How much of residents' everyday language the vocabulary understands.

Usage: python scripts/vocabulary_coverage.py [--probes PATH] [--json PATH] [--misses]

The probes (evaluation/vocabulary_probes.json) are everyday phrases per theme and per need
kind, in Dutch and English, written blind by someone who never saw the engine or its
vocabulary. For each phrase the engine reads it as a resident's question would be read
(``Directory.analyse_initiative`` on a directory without contacts) and we count:

- theme found: the probe's theme is among the themes read from the phrase;
- theme first: it is the strongest of them;
- need found: the probe's need kind is among the needs read from the phrase.

Besides the vocabulary's own size (terms per theme), this is the measure of coverage: the
probes were never used to write the vocabulary.
"""

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from matching import Directory, InitiativeProfile, default_vocabulary

PROBES = Path(__file__).resolve().parent.parent / "evaluation" / "vocabulary_probes.json"


def coverage(probes: dict) -> dict:
    vocabulary = default_vocabulary()
    directory = Directory.build([], [], vocabulary)
    report: dict = {"themes": {}, "needs": {}, "misses": []}
    for slug, by_language in probes["themes"].items():
        row = report["themes"][slug] = {"terms": len(vocabulary.themes[slug].terms)}
        for language, phrases in by_language.items():
            found = first = 0
            for phrase in phrases:
                themes = directory.analyse_initiative(InitiativeProfile(phrase)).themes
                found += slug in themes
                first += bool(themes) and max(themes, key=themes.__getitem__) == slug
                if slug not in themes:
                    report["misses"].append(f"theme {slug} [{language}]: {phrase}")
            row[language] = {"phrases": len(phrases), "found": found, "first": first}
    for kind, by_language in probes["needs"].items():
        row = report["needs"][kind] = {}
        for language, phrases in by_language.items():
            found = 0
            for phrase in phrases:
                needs = directory.analyse_initiative(InitiativeProfile(phrase)).needs
                found += kind in needs
                if kind not in needs:
                    report["misses"].append(f"need {kind} [{language}]: {phrase}")
            row[language] = {"phrases": len(phrases), "found": found}
    return report


def share(rows: dict, language: str, field: str) -> tuple[int, int]:
    hits = sum(row[language][field] for row in rows.values() if language in row)
    total = sum(row[language]["phrases"] for row in rows.values() if language in row)
    return hits, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--probes", type=Path, default=PROBES)
    parser.add_argument("--json", type=Path, help="also write the report to this file")
    parser.add_argument("--misses", action="store_true", help="list the phrases not understood")
    args = parser.parse_args()
    report = coverage(json.loads(args.probes.read_text(encoding="utf-8")))

    print("| theme | terms | nl found | nl first | en found | en first |")
    print("|---|---|---|---|---|---|")
    for slug, row in report["themes"].items():
        nl, en = row["nl"], row["en"]
        print(
            f"| {slug} | {row['terms']} | {nl['found']}/{nl['phrases']} | "
            f"{nl['first']}/{nl['phrases']} | {en['found']}/{en['phrases']} | "
            f"{en['first']}/{en['phrases']} |"
        )
    for language in ("nl", "en"):
        found, total = share(report["themes"], language, "found")
        top, _ = share(report["themes"], language, "first")
        print(
            f"themes [{language}]: found {found}/{total} ({found / total:.0%}), "
            f"first {top}/{total} ({top / total:.0%})"
        )
        found, total = share(report["needs"], language, "found")
        print(f"needs  [{language}]: found {found}/{total} ({found / total:.0%})")
    if args.misses:
        print("\n".join(report["misses"]))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
