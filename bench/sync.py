"""How long a directory sync takes: a staff directory of N contacts (20,000), the nightly HR
export of it with 1 % of the people changed, taken in with ``mode: sync``.

    python bench/sync.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/mine

The database named is EMPTIED first (its ``public`` schema dropped and migrated anew): give
it one of your own. Without ``--database-url`` a SQLite file in a temporary directory.

Steps, each timed: the first load (``mode: add``) of ``bench/generate.py``'s directory
(one municipality); the matching index built; then the changed export: ``--changed`` of the
people (1 %) differ, of whom 70 % are changed (job title, phone, email, another unit), 15 %
left (missing from the export) and 15 % joined. The export is taken in as a client sends it:

- **sync (service)**: the JSON text validated (``ImportCreate``) and synced in one
  transaction, as ``wegwijs import FILE --sync`` does, without the progress display;
- **sync (API)**: the same text as ``POST /api/v1/imports`` through the app in-process (HTTP
  parsing, the admin key, the answer's JSON), on the directory as it was before the sync;
- **index catch-up**: the next match after the sync, with the index the process held: it
  must take the change in place (the same index object) instead of building anew;
- **dry run** and **the same export again**: everything unchanged, and nothing written
  (the directory version must not move).

The target: the sync in at most 10 s on PostgreSQL for 20,000 contacts (PASS/FAIL), and the
index brought up to date without a rebuild. Timing tests are flaky, so this is a script
with figures, not a test (tests/bench/test_sync.py runs it small and checks the figures are
there, never how fast).
"""

import argparse
import json
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlmodel import Session  # noqa: E402

from bench.generate import generate  # noqa: E402

TARGET_SECONDS = 10.0
ADMIN_TOKEN = "bench-sync-" + "x" * 24


def reset(url: str) -> None:
    """An empty database: the schema dropped and made again (PostgreSQL), the file removed
    (SQLite)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        Path(parsed.database).unlink(missing_ok=True)
        return
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


@contextmanager
def timed(figures: dict[str, float], name: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    figures[name] = round(time.perf_counter() - started, 3)


def changed_export(document: dict, share: float, seed: int) -> tuple[dict, dict[str, int]]:
    """The HR export a night later: ``share`` of the people differ (changed, left, joined)."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible test feed, not a secret
    contacts = [dict(c) for c in document["contacts"]]
    units = [u["key"] for u in document["units"]]
    total = max(1, round(share * len(contacts)))
    left = round(0.15 * total)
    joined = round(0.15 * total)
    changed = total - left - joined
    picked = rng.sample(range(len(contacts)), changed + left)
    for position, index in enumerate(picked[:changed]):
        contact = contacts[index]
        what = position % 4
        if what == 0:
            contact["jobTitle"] = "Senior " + contact["jobTitle"].lower()
        elif what == 1:
            contact["phone"] = f"+31 6 {rng.randint(1000, 9999)} {rng.randint(1000, 9999)}"
        elif what == 2:
            contact["email"] = "nieuw." + contact["email"]
        else:
            contact["unitKey"] = rng.choice([u for u in units if u != contact["unitKey"]])
    gone = {contacts[index]["key"] for index in picked[changed:]}
    kept = [c for c in contacts if c["key"] not in gone]
    for n in range(joined):
        template = rng.choice(kept)
        kept.append(
            {
                **template,
                "key": f"nieuw-{n}",
                "externalId": f"N{n:07d}",
                "name": f"Nieuwe Collega {n}",
                "email": f"nieuwe.collega.{n}@gemeente.example",
                "knows": [],
            }
        )
    export = {key: document[key] for key in ("municipalities", "areas", "units")}
    export["contacts"] = kept
    return export, {"changed": changed, "left": left, "joined": joined}


def run(contacts: int, share: float, seed: int, database_url: str | None) -> dict[str, Any]:
    from fastapi.testclient import TestClient

    from api.core.persistence import upgrade_database
    from api.core.settings import Settings
    from api.http.app import create_app
    from api.services import matching
    from api.services.imports import import_directory
    from schemas import ImportCreate, ImportDocument, ImportMode, Municipality

    workdir = tempfile.TemporaryDirectory(prefix="wegwijs-sync-bench-")
    url = database_url or f"sqlite:///{workdir.name}/bench.db"
    settings = Settings(
        database_url=url,
        admin_token=ADMIN_TOKEN,
        webhook_worker=False,
        index_warmup=False,
        log_level="WARNING",
        max_import_body_bytes=256 * 1024 * 1024,
    )
    figures: dict[str, float] = {}
    document = generate(contacts=contacts, municipalities=1, seed=seed, initiatives=0)
    document.pop("initiatives")
    code = document["municipalities"][0]["code"]
    export, made = changed_export(document, share, seed)
    body = json.dumps({**export, "mode": "sync"}, ensure_ascii=False)
    dry_body = json.dumps({**export, "mode": "sync", "dryRun": True}, ensure_ascii=False)
    reset(url)
    upgrade_database(settings)
    app = create_app(settings)
    engine = app.state.engine

    def version() -> int:
        with Session(engine) as session:
            return session.execute(
                select(Municipality.directory_version).where(Municipality.code == code)
            ).scalar_one()

    def first_load(name: str) -> None:
        """The directory as it was the night before, and this process's index of it."""
        engine.dispose()
        reset(url)
        upgrade_database(settings)
        matching.index_cache._directories.clear()
        with timed(figures, name), Session(engine) as session:
            import_directory(session=session, document=ImportDocument.model_validate(document))
        with timed(figures, "index build s"), Session(engine) as session:
            matching.directory_for(session, code)

    # The service, as `wegwijs import FILE --sync` runs it.
    first_load("first load s")
    _version, index = matching.loaded_directories()[code]
    before = version()
    with timed(figures, "sync (service) s"), Session(engine) as session:
        result = import_directory(
            session=session, document=ImportCreate.model_validate_json(body), mode=ImportMode.sync
        )
    with timed(figures, "  of which validating s"):
        ImportCreate.model_validate_json(body)
    synced = version()
    with timed(figures, "index catch-up s"), Session(engine) as session:
        in_place = matching.directory_for(session, code) is index
    with timed(figures, "same export again s"), Session(engine) as session:
        again = import_directory(
            session=session, document=ImportCreate.model_validate_json(body), mode=ImportMode.sync
        )
    unmoved = version() == synced

    # The API, from the same starting point.
    first_load("first load (again) s")
    with TestClient(app) as client:
        headers = {"Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": "application/json"}
        with timed(figures, "dry run (API) s"):
            dry = client.post("/api/v1/imports", content=dry_body, headers=headers)
        assert dry.status_code == 200, dry.text[:500]
        with timed(figures, "sync (API) s"):
            answer = client.post("/api/v1/imports", content=body, headers=headers)
        assert answer.status_code == 201, answer.text[:500]
    counts = result.changes.contacts.counts.model_dump()
    assert dry.json()["changes"]["contacts"]["counts"] == counts
    assert answer.json()["changes"]["contacts"]["counts"] == counts
    engine.dispose()
    workdir.cleanup()
    return {
        "database": make_url(url).get_backend_name(),
        "contacts": contacts,
        "export": made,
        "counts": counts,
        "figures": figures,
        "index_in_place": in_place,
        "directory_versions": synced - before,
        "again": again.changes.contacts.counts.model_dump(),
        "again_unmoved": unmoved,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=20_000)
    parser.add_argument("--changed", type=float, default=0.01, help="share of people changed")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--database-url", help="a database of your own: it is EMPTIED first (default: SQLite)"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    outcome = run(args.contacts, args.changed, args.seed, args.database_url)
    if args.json:
        print(json.dumps(outcome, indent=2))
        return 0
    figures = outcome["figures"]
    print(
        f"{outcome['database']}, {outcome['contacts']:,} contacts; the export: "
        f"{outcome['export']['changed']} changed, {outcome['export']['left']} left, "
        f"{outcome['export']['joined']} joined"
    )
    for name, seconds in figures.items():
        print(f"  {name:<22} {seconds:8.2f}")
    counts = outcome["counts"]
    print(
        f"  sync: {counts['created']} created, {counts['updated']} updated, "
        f"{counts['unchanged']:,} unchanged, {counts['withdrawn']} withdrawn; "
        f"index taken in place: {outcome['index_in_place']}; "
        f"directory versions: {outcome['directory_versions']}"
    )
    again = outcome["again"]
    print(
        f"  the same export again: {again['unchanged']:,} unchanged, "
        f"{again['created'] + again['updated'] + again['withdrawn']} changes, directory "
        f"version {'unmoved' if outcome['again_unmoved'] else 'MOVED'}"
    )
    worst = max(figures["sync (service) s"], figures["sync (API) s"])
    ok = (
        worst <= TARGET_SECONDS
        and outcome["index_in_place"]
        and outcome["again_unmoved"]
        and again["unchanged"] == counts["unchanged"] + counts["updated"] + counts["created"]
    )
    print(
        f"{'PASS' if ok else 'FAIL'}: sync ≤ {TARGET_SECONDS:.0f} s ({worst:.2f} s), index "
        "taken in place, the same export twice changes nothing"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
