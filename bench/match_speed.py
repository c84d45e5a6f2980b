"""How long one match takes against N contacts, in the engine alone (one core).

    python bench/match_speed.py [--contacts 5000] [--repeat 3]

The directory is the demo's, repeated with each copy's contacts spread over the demo's
areas, so it has N realistic Dutch profiles; the queries are the demo's 28 initiatives.
Prints build time, per-match latency (p50, p95, max) and matches per second.
"""

import argparse
import json
import statistics
import time
from pathlib import Path

from matching import (
    AreaProfile,
    ContactProfile,
    Directory,
    InitiativeProfile,
    default_vocabulary,
    rank,
)
from matching.documents import Shared, contact_profile, initiative_profile, unit_profile

DEMO = Path(__file__).resolve().parent.parent / "api" / "demo" / "demo.json"


def load(size: int) -> tuple[list[ContactProfile], list[AreaProfile], list[InitiativeProfile]]:
    demo = json.loads(DEMO.read_text(encoding="utf-8"))
    units = {u["key"]: unit_profile(u) for u in demo["units"]}
    areas = [AreaProfile(a["code"], a["name"], a.get("parentCode")) for a in demo["areas"]]
    wijken = [a.code for a in areas if a.parent_code and a.code.startswith("WK")]
    templates = [c for c in demo["contacts"] if c["available"] and c["consentAt"]]
    contacts = []
    shared = Shared()
    for n in range(size):
        c = templates[n % len(templates)]
        copy = n // len(templates)
        # Later copies work in other wijken, as colleagues with the same role elsewhere do.
        area_codes = (
            tuple(c["areaCodes"])
            if copy == 0 or not c["areaCodes"]
            else (wijken[(n * 7 + copy) % len(wijken)],)
        )
        contacts.append(
            contact_profile(
                # Each copy knows the colleagues of its own copy.
                {**c, "areaCodes": area_codes, "knows": [f"{k}-{copy}" for k in c["knows"]]},
                units[c["unitKey"]],
                key=f"{c['key']}-{copy}",
                shared=shared,
            )
        )
    initiatives = [initiative_profile(i) for i in demo["initiatives"]]
    return contacts, areas, initiatives


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    contacts, areas, initiatives = load(args.contacts)
    started = time.perf_counter()
    directory = Directory.build(contacts, areas, default_vocabulary())
    build = time.perf_counter() - started
    rank(initiatives[0], directory)  # warm caches (stems, typo lookups) as a running server has
    timings = []
    for _ in range(args.repeat):
        for initiative in initiatives:
            started = time.perf_counter()
            rank(initiative, directory, limit=5)
            timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    p95 = timings[int(0.95 * (len(timings) - 1))]
    print(f"contacts: {len(contacts)}  index build: {build:.2f} s  matches: {len(timings)}")
    print(
        f"per match: p50 {statistics.median(timings):.1f} ms, p95 {p95:.1f} ms, "
        f"max {timings[-1]:.1f} ms  ({1000 / statistics.mean(timings):.0f} matches/s, one core)"
    )


if __name__ == "__main__":
    main()
