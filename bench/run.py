"""The service under load, started as a user starts it: ``wegwijs serve``.

    python bench/run.py [--sizes 1000,20000,200000] [--workers 1,2]
                        [--databases sqlite,postgresql] [--quick] [--out bench/results]

For every (database, workers, size): a fresh database (SQLite in a temporary directory, or
PostgreSQL ``wegwijs_bench`` on 127.0.0.1:5432, dropped afterwards), ``wegwijs serve`` on a
free port of 127.0.0.1, the generated directory (``bench/generate.py``) loaded through
``POST /api/v1/imports``, its initiatives created, one match per initiative as warm-up; then:

- GET matches, one client; 16 clients (matches/s); 64 connections (stalls, errors);
- POST /api/v1/matches, one client, with the initiatives' own texts;
- cross-worker update (2+ workers): a contact made unavailable, until 20 answers in a row on
  new connections leave them out;
- peak RSS (VmHWM) of the server and each worker;
- start-up: stopped and started again on the same database, until a first match answers;
- the same GET load against ``bench/bare_app.py`` (framework floor) and ``matching.rank``
  in this process (engine alone).

Prints a markdown table and the targets (PASS/FAIL); writes ``<out>/results.json`` and
``<out>/results.md`` (after every row, so an interrupted run keeps what it measured).
Every phase is bounded by a request cap and a deadline. See docs/performance.md.
"""

import argparse
import gc
import json
import math
import os
import platform
import signal
import statistics
import sys
import tempfile
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
for _path in (str(ROOT), str(BENCH)):
    if _path not in sys.path:
        sys.path.insert(0, _path)

from _load import LoadResult, call_once, run_load  # noqa: E402
from _servers import (  # noqa: E402
    Server,
    bare_server,
    drop_pg_database,
    new_token,
    peak_rss_mb,
    process_name,
    recreate_pg_database,
    stop_all,
    wegwijs_server,
)

API = "/api/v1"


@dataclass(frozen=True)
class Phases:
    """How long, and how many requests, each phase may take."""

    single_requests: int
    single_seconds: float
    throughput_seconds: float
    throughput_requests: int
    stall_seconds: float
    stall_requests: int
    post_requests: int
    post_seconds: float
    engine_rounds: int
    engine_seconds: float
    cross_worker_seconds: float = 60.0
    start_seconds: float = 120.0


FULL = Phases(
    single_requests=300,
    single_seconds=20,
    throughput_seconds=10,
    throughput_requests=50_000,
    stall_seconds=30,
    stall_requests=200_000,
    post_requests=300,
    post_seconds=20,
    engine_rounds=3,
    engine_seconds=20,
)
QUICK = Phases(
    single_requests=100,
    single_seconds=5,
    throughput_seconds=3,
    throughput_requests=10_000,
    stall_seconds=5,
    stall_requests=50_000,
    post_requests=60,
    post_seconds=5,
    engine_rounds=1,
    engine_seconds=5,
    cross_worker_seconds=30,
    start_seconds=60,
)
THROUGHPUT_CLIENTS = 16
STALL_CLIENTS = 64
CONSECUTIVE = 20  # answers in a row without the updated contact
SLOW_SECONDS = 10.0  # one request slower than this is a stall

# Every number a row holds; None only where it does not apply (see ``not_applicable``).
METRICS = [
    "import_seconds",
    "import_contacts_per_second",
    "first_match_seconds",
    "startup_seconds",
    "get_p50_ms",
    "get_p95_ms",
    "get_p99_ms",
    "get_requests",
    "get_errors",
    "throughput_matches_per_second",
    "throughput_p50_ms",
    "throughput_p99_ms",
    "throughput_requests",
    "throughput_errors",
    "stall_requests",
    "stall_errors",
    "stall_max_ms",
    "stall_p99_ms",
    "stall_stalled",
    "post_p50_ms",
    "post_p95_ms",
    "post_p99_ms",
    "post_errors",
    "engine_p50_ms",
    "engine_matches_per_second",
    "engine_throughput_ratio",
    "api_floor_p50_ms",
    "api_floor_errors",
    "api_floor_ratio",
    "health_p50_ms",
    "health_errors",
    "health_ratio",
    "bare_small_p50_ms",
    "bare_p50_ms",
    "bare_matches_per_second",
    "bare_errors",
    "framework_ratio",
    "peak_rss_mb",
    "cross_worker_update_seconds",
    "cross_worker_relist_seconds",
    "response_bytes",
    "client_cpu_share",
]


def log(message: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def load_generator():
    try:
        import generate
    except ImportError as error:
        raise SystemExit(
            f"bench/generate.py is needed (generate, structure, contact_batches): {error}"
        ) from error
    return generate


# ----------------------------------------------------------------------------- requests


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def json_call(
    server: Server,
    method: str,
    path: str,
    *,
    token: str | None = None,
    body: object = None,
    expect: int = 200,
    timeout: float = 600.0,
) -> object:
    headers = auth(token) if token else {}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    status, answer = call_once(server.port, (method, API + path, data, headers), timeout)
    if status != expect:
        raise RuntimeError(f"{method} {path}: HTTP {status} (expected {expect}): {answer[:600]!r}")
    return json.loads(answer) if answer else None


def question_of(initiative: dict) -> dict:
    """The POST /matches body for an initiative: its text as the service joins it."""
    parts = [initiative.get(k, "") for k in ("title", "description", "problem", "targetGroup")]
    return {
        "municipalityCode": initiative["municipalityCode"],
        "text": " ".join(p for p in parts if p)[:5000],
        "themes": initiative.get("themes", []),
        "areaCodes": initiative.get("areaCodes", []),
        "needs": initiative.get("needs", []),
    }


def load_directory(server: Server, token: str, generator, document: dict) -> dict:
    """The structure, then the contacts in batches; seconds and contacts per second."""
    started = time.perf_counter()
    result = json_call(
        server, "POST", "/imports", token=token, body=generator.structure(document), expect=201
    )
    loaded = len(result.get("contacts", {}))
    for batch in generator.contact_batches(document, unit_ids=result["units"]):
        answer = json_call(server, "POST", "/imports", token=token, body=batch, expect=201)
        loaded += len(answer["contacts"])
    seconds = time.perf_counter() - started
    if loaded != len(document["contacts"]):
        raise RuntimeError(f"imported {loaded} contacts of {len(document['contacts'])}")
    return {"import_seconds": seconds, "import_contacts_per_second": loaded / seconds}


def loaded_and_warm(server: Server, token: str, generator, document: dict) -> list[int]:
    """The directory loaded, the initiatives created and each matched once (the index built,
    the caches warm): the initiatives' ids. For the tools that measure a warm server."""
    load_directory(server, token, generator, document)
    ids = [
        json_call(server, "POST", "/initiatives", token=token, body=body, expect=201)["id"]
        for body in document["initiatives"]
    ]
    for initiative_id in ids:
        json_call(server, "GET", f"/initiatives/{initiative_id}/matches", token=token)
    return ids


# ----------------------------------------------------------------------------- phases


def summary(result: LoadResult) -> str:
    return (
        f"{result.requests} req in {result.seconds:.1f} s, {result.errors} errors, "
        f"p50 {result.p(0.5):.1f} ms, p99 {result.p(0.99):.1f} ms, "
        f"{result.per_second:.0f}/s, client CPU {result.client_cpu_seconds:.1f} s"
    )


def get_matches_maker(ids: list[int], token: str, path: str | None = None):
    headers = auth(token)

    def make(number: int):
        return ("GET", path or f"{API}/initiatives/{ids[number % len(ids)]}/matches", None, headers)

    return make


def measure_service(server: Server, ids: list[int], questions: list[dict], token: str, ph: Phases):
    make = get_matches_maker(ids, token)
    row: dict = {}
    single = run_load(
        server.port, make, clients=1, seconds=ph.single_seconds, max_requests=ph.single_requests
    )
    log(f"  GET matches, 1 client: {summary(single)}")
    row.update(
        get_p50_ms=single.p(0.5),
        get_p95_ms=single.p(0.95),
        get_p99_ms=single.p(0.99),
        get_requests=single.requests,
        get_errors=single.errors,
    )
    busy = run_load(
        server.port,
        make,
        clients=THROUGHPUT_CLIENTS,
        seconds=ph.throughput_seconds,
        max_requests=ph.throughput_requests,
    )
    log(f"  GET matches, {THROUGHPUT_CLIENTS} clients: {summary(busy)}")
    row.update(
        throughput_matches_per_second=busy.per_second,
        throughput_p50_ms=busy.p(0.5),
        throughput_p99_ms=busy.p(0.99),
        throughput_requests=busy.requests,
        throughput_errors=busy.errors,
        client_cpu_share=busy.client_cpu_seconds / busy.seconds,
    )
    stall = run_load(
        server.port,
        make,
        clients=STALL_CLIENTS,
        seconds=ph.stall_seconds,
        max_requests=ph.stall_requests,
        timeout=SLOW_SECONDS + 5,
    )
    stalled = stall.stalled(slow_seconds=SLOW_SECONDS)
    log(f"  GET matches, {STALL_CLIENTS} connections: {summary(stall)}, stalled: {stalled}")
    if stall.error_samples:
        log(f"    errors, e.g.: {sorted(set(stall.error_samples))}")
    row.update(
        stall_requests=stall.requests,
        stall_errors=stall.errors,
        stall_max_ms=stall.max_latency_ms,
        stall_p99_ms=stall.p(0.99),
        stall_stalled=int(stalled),
        stall_error_samples=sorted(set(stall.error_samples)),
    )
    # The service without matching: the same key, middleware and a one-row read.
    code = questions[0]["municipalityCode"]
    floor = run_load(
        server.port,
        get_matches_maker([0], token, path=f"{API}/municipalities/{code}"),
        clients=1,
        seconds=ph.single_seconds,
        max_requests=ph.single_requests,
    )
    log(f"  GET municipality (no matching), 1 client: {summary(floor)}")
    row.update(api_floor_p50_ms=floor.p(0.5), api_floor_errors=floor.errors)
    health = run_load(
        server.port,
        get_matches_maker([0], token, path="/health"),
        clients=1,
        seconds=ph.single_seconds,
        max_requests=ph.single_requests,
    )
    log(f"  GET /health, 1 client: {summary(health)}")
    row.update(health_p50_ms=health.p(0.5), health_errors=health.errors)
    bodies = [json.dumps(q).encode() for q in questions]
    post_headers = {"Content-Type": "application/json"}  # anonymous, as the web page asks

    def make_post(number: int):
        return ("POST", f"{API}/matches", bodies[number % len(bodies)], post_headers)

    post = run_load(
        server.port, make_post, clients=1, seconds=ph.post_seconds, max_requests=ph.post_requests
    )
    log(f"  POST matches, 1 client: {summary(post)}")
    row.update(
        post_p50_ms=post.p(0.5),
        post_p95_ms=post.p(0.95),
        post_p99_ms=post.p(0.99),
        post_errors=post.errors,
    )
    return row


def _listed(server: Server, path: str, token: str) -> set[int]:
    answer = json_call(server, "GET", path, token=token, timeout=SLOW_SECONDS + 5)
    listed = {i["contact"]["id"] for i in answer["items"]}
    return listed | {p["id"] for i in answer["items"] for p in i.get("introduceVia", [])}


def _until(server: Server, path: str, token: str, test, since: float, bound: float):
    """Seconds from ``since`` until the answer to the first of CONSECUTIVE requests in a row
    (each on a new connection, so every worker answers) whose listed contacts pass ``test``;
    None after ``bound`` seconds."""
    first, in_a_row = None, 0
    while in_a_row < CONSECUTIVE:
        if time.perf_counter() > since + bound:
            return None
        listed = _listed(server, path, token)
        if test(listed):
            first = first if first is not None else time.perf_counter()
            in_a_row += 1
        else:
            first, in_a_row = None, 0
    return max(0.0, first - since)


def cross_worker_update(server: Server, initiative_id: int, token: str, ph: Phases) -> dict:
    """The contact ranked first is made unavailable (PATCH, no If-Match: last writer wins):
    seconds until every worker leaves them out; then available again: seconds until every
    worker lists them again. The first is what a caller sees (answers are checked against
    the stored rows); the second needs each worker's index to take the change."""
    path = f"/initiatives/{initiative_id}/matches"
    items = json_call(server, "GET", path, token=token)["items"]
    if not items:
        raise RuntimeError(f"initiative {initiative_id} has no matches to update")
    contact_id = items[0]["contact"]["id"]
    contact = f"/contacts/{contact_id}"
    bound = ph.cross_worker_seconds
    restored = False
    try:
        json_call(server, "PATCH", contact, token=token, body={"available": False})
        hidden = _until(server, path, token, lambda ids: contact_id not in ids, _now(), bound)
        if hidden is None:
            raise RuntimeError(f"contact {contact_id} still listed {bound:.0f} s after the PATCH")
        json_call(server, "PATCH", contact, token=token, body={"available": True})
        restored = True
        back = _until(server, path, token, lambda ids: contact_id in ids, _now(), bound)
    finally:
        if not restored:
            json_call(server, "PATCH", contact, token=token, body={"available": True})
    return {"cross_worker_update_seconds": hidden, "cross_worker_relist_seconds": back}


def _now() -> float:
    return time.perf_counter()


def peak_memory(server: Server) -> dict:
    per_process = {}
    for pid in server.pids():
        peak = peak_rss_mb(pid)
        if peak is not None:
            per_process[str(pid)] = {"mb": round(peak, 1), "command": process_name(pid)}
    if not per_process:
        raise RuntimeError("could not read the server's memory from /proc")
    return {
        "peak_rss_mb": max(p["mb"] for p in per_process.values()),
        "peak_rss_per_process": per_process,
    }


def measure_startup(server: Server, initiative_id: int, token: str, ph: Phases) -> float:
    """Seconds from starting the process until a first GET matches answers 200."""
    server.start()
    server.wait_ready(path="/health", timeout=ph.start_seconds)
    deadline = server.started_at + ph.start_seconds
    path = f"{API}/initiatives/{initiative_id}/matches"
    last = "no answer"
    while time.perf_counter() < deadline:
        try:
            status, body = call_once(
                server.port, ("GET", path, None, auth(token)), ph.start_seconds
            )
            if status == 200:
                return time.perf_counter() - server.started_at
            last = f"HTTP {status}: {body[:300]!r}"
        except OSError as error:
            last = repr(error)
        time.sleep(0.05)
    raise RuntimeError(f"no match answered within {ph.start_seconds:.0f} s of a restart ({last})")


def measure_bare(workers: int, body: bytes, scratch: Path, ph: Phases) -> dict:
    payload = scratch / "bare-payload.json"
    payload.write_bytes(body)
    bare = bare_server(payload=payload, workers=workers, cwd=scratch).start()
    try:
        bare.wait_ready(timeout=60)
        make = get_matches_maker([0], "unused", path="/payload")
        single = run_load(
            bare.port, make, clients=1, seconds=ph.single_seconds, max_requests=ph.single_requests
        )
        busy = run_load(
            bare.port,
            make,
            clients=THROUGHPUT_CLIENTS,
            seconds=ph.throughput_seconds,
            max_requests=ph.throughput_requests,
        )
        # A small JSON answer: the floor under /health and a one-row read.
        small = run_load(
            bare.port,
            get_matches_maker([0], "unused", path="/ready"),
            clients=1,
            seconds=ph.single_seconds,
            max_requests=ph.single_requests,
        )
    finally:
        bare.stop()
    log(f"  bare app, 1 client: {summary(single)}")
    log(f"  bare app, {THROUGHPUT_CLIENTS} clients: {summary(busy)}")
    log(f"  bare app, small answer, 1 client: {summary(small)}")
    return {
        "bare_p50_ms": single.p(0.5),
        "bare_small_p50_ms": small.p(0.5),
        "bare_matches_per_second": busy.per_second,
        "bare_errors": single.errors + busy.errors + small.errors,
    }


def engine_directories(document: dict, codes: set[str]):
    """The engine's inputs built from the generated document as the service builds them
    from its rows: only available, consenting contacts, per municipality."""
    from matching import AreaProfile, Directory, default_vocabulary
    from matching.documents import Shared, contact_profile, unit_profile

    vocabulary = default_vocabulary()
    units = {u["key"]: unit_profile(u) for u in document["units"]}
    municipality_of = {u["key"]: u["municipalityCode"] for u in document["units"]}
    shared = Shared()
    directories = {}
    for code in sorted(codes):
        contacts = [
            contact_profile(c, units[c["unitKey"]], shared=shared)
            for c in document["contacts"]
            if municipality_of[c["unitKey"]] == code
            and c.get("available", True)
            and c.get("consentAt")
        ]
        areas = [
            AreaProfile(a["code"], a["name"], a.get("parentCode"))
            for a in document["areas"]
            if a["municipalityCode"] == code
        ]
        names = [m["name"] for m in document["municipalities"] if m["code"] == code]
        # As the service builds it: the municipality's own name is a place, never a keyword.
        directories[code] = Directory.build(contacts, areas, vocabulary, place_names=names)
    return directories


def measure_engine(document: dict, ph: Phases) -> dict:
    """The engine alone doing what the service asks of it for one answer: ``rank`` with the
    inputs the service gives (capacity, track records, known contacts: empty on a new
    database, but the experience signal on, as in the service) and ``understand``."""
    from matching import rank, understand
    from matching.documents import initiative_profile

    def answer(profile, directory) -> None:
        rank(profile, directory, limit=5, capacity_left={}, track_records={}, known=())
        understand(profile, directory)

    initiatives = document["initiatives"]
    started = time.perf_counter()
    directories = engine_directories(document, {i["municipalityCode"] for i in initiatives})
    build = time.perf_counter() - started
    gc.freeze()  # as the service does once its indexes are built (index_cache.warm_up)
    # The initiatives as the service reads them once registered (GET .../matches).
    profiles = [(i["municipalityCode"], initiative_profile(i)) for i in initiatives]
    # One match per initiative first, as the service gets in its warm-up (caches per text).
    for code, profile in profiles:
        answer(profile, directories[code])
    timings = []
    deadline = time.perf_counter() + ph.engine_seconds
    for _ in range(ph.engine_rounds):
        for code, profile in profiles:
            if time.perf_counter() > deadline:
                break
            began = time.perf_counter()
            answer(profile, directories[code])
            timings.append((time.perf_counter() - began) * 1000)
    log(f"  engine: build {build:.1f} s, p50 {statistics.median(timings):.1f} ms")
    return {
        "engine_p50_ms": statistics.median(timings),
        # One core, back to back: what the service could do if it cost nothing around rank.
        "engine_matches_per_second": len(timings) / (sum(timings) / 1000),
        "engine_build_seconds": build,
    }


# ----------------------------------------------------------------------------- one row


@dataclass(frozen=True)
class Case:
    database: str
    workers: int
    contacts: int


def run_case(case: Case, document: dict, generator, ph: Phases) -> dict:
    row: dict = {"database": case.database, "workers": case.workers, "contacts": case.contacts}
    # Other work on the machine skews every figure: keep the 1-minute load average with them.
    row["load_average_before"] = os.getloadavg()[0]
    if row["load_average_before"] > 1.0:
        log(f"  warning: load average {row['load_average_before']:.1f}: figures will be skewed")
    token = new_token()
    with tempfile.TemporaryDirectory(prefix="wegwijs-bench-") as directory:
        scratch = Path(directory)
        if case.database == "sqlite":
            url = f"sqlite:///{scratch / 'wegwijs.db'}"
        else:
            url = recreate_pg_database()
        server = wegwijs_server(
            database_url=url, workers=case.workers, cwd=scratch, admin_token=token
        )
        try:
            server.start()
            row["ready_seconds"] = server.wait_ready()
            log(f"  ready after {row['ready_seconds']:.1f} s")
            row.update(load_directory(server, token, generator, document))
            log(
                f"  imported {case.contacts} contacts in {row['import_seconds']:.1f} s "
                f"({row['import_contacts_per_second']:.0f}/s)"
            )
            ids = []
            for body in document["initiatives"]:
                created = json_call(
                    server, "POST", "/initiatives", token=token, body=body, expect=201
                )
                ids.append(created["id"])
            answers = []
            for number, initiative_id in enumerate(ids):
                began = time.perf_counter()
                status, answer = call_once(
                    server.port,
                    ("GET", f"{API}/initiatives/{initiative_id}/matches", None, auth(token)),
                    600,
                )
                if status != 200:
                    raise RuntimeError(f"warm-up match: HTTP {status}: {answer[:300]!r}")
                if number == 0:
                    row["first_match_seconds"] = time.perf_counter() - began
                answers.append(answer)
            typical = sorted(answers, key=len)[len(answers) // 2]
            row["response_bytes"] = len(typical)
            log(f"  first match (index build) {row['first_match_seconds']:.1f} s")
            questions = [question_of(i) for i in document["initiatives"]]
            row.update(measure_service(server, ids, questions, token, ph))
            if case.workers >= 2:
                row.update(cross_worker_update(server, ids[0], token, ph))
                log(
                    f"  cross-worker update: hidden after {row['cross_worker_update_seconds']:.2f}"
                    f" s, listed again after {fmt(row['cross_worker_relist_seconds'], 2)} s"
                )
            else:
                row["cross_worker_update_seconds"] = None
                row["cross_worker_relist_seconds"] = None
            row.update(peak_memory(server))
            log(f"  peak RSS {row['peak_rss_mb']:.0f} MB (max per process)")
            server.stop()
            row["startup_seconds"] = measure_startup(server, ids[0], token, ph)
            log(f"  start-up until a first match: {row['startup_seconds']:.1f} s")
            server.stop()
        finally:
            server.stop()
            if case.database == "postgresql":
                drop_pg_database()
        row.update(measure_bare(case.workers, typical, scratch, ph))
    row.update(measure_engine(document, ph))
    row["framework_ratio"] = row["get_p50_ms"] / row["bare_p50_ms"]
    row["engine_throughput_ratio"] = (
        row["throughput_matches_per_second"] / row["engine_matches_per_second"]
    )
    row["get_p50_over_engine_ms"] = row["get_p50_ms"] - row["engine_p50_ms"]
    row["api_floor_ratio"] = row["api_floor_p50_ms"] / row["bare_small_p50_ms"]
    row["health_ratio"] = row["health_p50_ms"] / row["bare_small_p50_ms"]
    row["not_applicable"] = sorted(not_applicable(row))
    row["load_average_after"] = os.getloadavg()[0]
    return row


def not_applicable(row: dict) -> set[str]:
    return (
        set()
        if row["workers"] >= 2
        else {"cross_worker_update_seconds", "cross_worker_relist_seconds"}
    )


# ----------------------------------------------------------------------------- report


def fmt(value, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    return f"{value:,.{digits}f}"


HEADER = (
    "| database | workers | contacts | import s (contacts/s) | start-up s | GET p50/p95/p99 ms "
    "| matches/s @16 (÷ engine) | 64 connections | POST p50/p99 ms | engine p50 ms | bare p50 ms "
    "| ratio | municipality / health ÷ bare "
    "| peak RSS MB | cross-worker update s (hide/re-list) |"
)


def table(rows: list[dict]) -> str:
    columns = HEADER.count("|") - 1
    lines = [HEADER, "| " + " | ".join(["---"] * columns) + " |"]
    for r in rows:
        if "error" in r:
            lines.append(
                f"| {r['database']} | {r['workers']} | {r['contacts']:,} | failed: "
                f"{r['error'][:80]} |" + " |" * (columns - 4)
            )
            continue
        stall = (
            f"{r['stall_requests']:,} req, {r['stall_errors']} err, "
            f"{'STALLED' if r['stall_stalled'] else 'no stall'}"
        )
        lines.append(
            "| "
            + " | ".join(
                [
                    r["database"],
                    str(r["workers"]),
                    f"{r['contacts']:,}",
                    f"{fmt(r['import_seconds'])} ({fmt(r['import_contacts_per_second'], 0)}/s)",
                    fmt(r["startup_seconds"]),
                    "/".join(fmt(r[k]) for k in ("get_p50_ms", "get_p95_ms", "get_p99_ms")),
                    f"{fmt(r['throughput_matches_per_second'], 0)} "
                    f"({fmt(100 * r['engine_throughput_ratio'], 0)} %)",
                    f"{stall}, p99 {fmt(r['stall_p99_ms'], 0)} ms",
                    f"{fmt(r['post_p50_ms'])}/{fmt(r['post_p99_ms'])}",
                    fmt(r["engine_p50_ms"]),
                    fmt(r["bare_p50_ms"], 2),
                    fmt(r["framework_ratio"]),
                    f"{fmt(r['api_floor_ratio'])} / {fmt(r['health_ratio'])}",
                    fmt(r["peak_rss_mb"], 0),
                    "/".join(
                        fmt(r[k], 2)
                        for k in ("cross_worker_update_seconds", "cross_worker_relist_seconds")
                    ),
                ]
            )
            + " |"
        )
    return "\n".join(lines)


def targets(rows: list[dict]) -> list[dict]:
    """The issue's targets, checked on every row they apply to."""
    checks = []

    def check(name: str, row: dict, key: str, limit: float, at_most: bool = True) -> None:
        value = row.get(key)
        ok = value is not None and not math.isnan(value)
        ok = ok and (value <= limit if at_most else value >= limit)
        checks.append(
            {
                "target": name,
                "database": row["database"],
                "workers": row["workers"],
                "contacts": row["contacts"],
                "value": value,
                "limit": limit,
                "pass": bool(ok),
            }
        )

    for r in rows:
        if "error" in r:
            continue
        # Issue 15: a match costs little more than the engine.
        if r["contacts"] == 20_000 and r["workers"] == 1:
            check(
                "20k, 1 worker: ≥ 200 matches/s at 16 clients",
                r,
                "throughput_matches_per_second",
                200,
                at_most=False,
            )
            check(
                "20k, 1 worker: service/engine throughput ≥ 60 %",
                r,
                "engine_throughput_ratio",
                0.6,
                at_most=False,
            )
            check("20k, 1 worker: GET p50 ≤ engine p50 + 1.5 ms", r, "get_p50_over_engine_ms", 1.5)
            check("20k, 1 worker: GET p99 ≤ 25 ms", r, "get_p99_ms", 25)
            r["stall_failures"] = r["stall_errors"] + r["stall_stalled"]
            check("20k, 1 worker: 64 connections, no stall, no error", r, "stall_failures", 0)
            check("20k, 1 worker: 64 connections p99 ≤ 250 ms", r, "stall_p99_ms", 250)
            check("20k, 1 worker: municipality read ≤ 2 × bare", r, "api_floor_ratio", 2)
            check("20k, 1 worker: /health ≤ 1.5 × bare", r, "health_ratio", 1.5)
        if r["contacts"] == 20_000 and r["workers"] == 2:
            check(
                "20k, 2 workers: ≥ 350 matches/s at 16 clients",
                r,
                "throughput_matches_per_second",
                350,
                at_most=False,
            )
        if r["contacts"] == 20_000:
            check("20k: import ≤ 20 s", r, "import_seconds", 20)
        if r["contacts"] == 200_000:
            check("200k: GET p50 ≤ 25 ms", r, "get_p50_ms", 25)
            check("200k: peak RSS ≤ 800 MB per process", r, "peak_rss_mb", 800)
            check("200k: start-up ≤ 30 s", r, "startup_seconds", 30)
        if r["workers"] >= 2:
            check("cross-worker update ≤ 1 s", r, "cross_worker_update_seconds", 1)
            check(
                "cross-worker re-list ≤ 1 s (index, informative)",
                r,
                "cross_worker_relist_seconds",
                1,
            )
    return checks


def targets_text(checks: list[dict]) -> str:
    if not checks:
        return "Targets: none applies to these sizes (20,000 and 200,000 contacts; 2 workers)."
    lines = ["Targets:"]
    for c in checks:
        where = f"{c['database']}, {c['workers']} worker(s), {c['contacts']:,}"
        value = fmt(c["value"], 2)
        lines.append(f"- {'PASS' if c['pass'] else 'FAIL'}  {c['target']}  ({where}: {value})")
    return "\n".join(lines)


def write_results(out: Path, meta: dict, rows: list[dict]) -> str:
    checks = targets(rows)
    markdown = table(rows) + "\n\n" + targets_text(checks) + "\n"
    out.mkdir(parents=True, exist_ok=True)
    document = {**meta, "metrics": METRICS, "rows": rows, "targets": checks}
    (out / "results.json").write_text(json.dumps(document, indent=2, default=str) + "\n")
    (out / "results.md").write_text(f"# Wegwijs benchmark, {meta['started']}\n\n{markdown}")
    return markdown


# ----------------------------------------------------------------------------- main


def number_list(text: str) -> list[int]:
    return [int(part.replace("_", "")) for part in text.split(",") if part.strip()]


def cases(args) -> Iterator[Case]:
    for database in args.databases:
        for workers in args.workers:
            for size in args.sizes:
                yield Case(database, workers, size)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=number_list, default=None, help="default 1000,20000,200000")
    parser.add_argument("--workers", type=number_list, default=[1, 2])
    parser.add_argument(
        "--databases",
        type=lambda text: [p.strip() for p in text.split(",") if p.strip()],
        default=["sqlite", "postgresql"],
    )
    parser.add_argument("--quick", action="store_true", help="short phases (default size 1000)")
    parser.add_argument("--out", type=Path, default=BENCH / "results")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--initiatives", type=int, default=40)
    args = parser.parse_args(argv)
    if args.sizes is None:
        args.sizes = [1000] if args.quick else [1000, 20_000, 200_000]
    unknown = set(args.databases) - {"sqlite", "postgresql"}
    if unknown:
        parser.error(f"unknown database(s): {', '.join(sorted(unknown))}")
    phases = QUICK if args.quick else FULL
    generator = load_generator()

    def interrupted(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # also when started in background
    meta = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "quick": args.quick,
        "phases": phases.__dict__,
        "host": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": len(os.sched_getaffinity(0)),
        },
        "client": "http.client keep-alive connections, one thread each (bench/_load.py)",
    }
    rows: list[dict] = []
    failed = False
    documents: dict[int, dict] = {}
    try:
        for case in cases(args):
            log(f"{case.database}, {case.workers} worker(s), {case.contacts:,} contacts")
            if case.contacts not in documents:
                documents.clear()  # one size at a time in memory
                began = time.perf_counter()
                documents[case.contacts] = generator.generate(
                    contacts=case.contacts, seed=args.seed, initiatives=args.initiatives
                )
                log(f"  generated in {time.perf_counter() - began:.1f} s")
            try:
                row = run_case(case, documents[case.contacts], generator, phases)
            except Exception as error:
                failed = True
                traceback.print_exc()
                row = {**case.__dict__, "error": f"{type(error).__name__}: {error}"}
            rows.append(row)
            write_results(args.out, meta, rows)
    except KeyboardInterrupt:
        log("interrupted: stopping the servers")
        stop_all()
        write_results(args.out, meta, rows)
        return 130
    finally:
        stop_all()
    print(write_results(args.out, meta, rows))
    print(f"\nWritten: {args.out / 'results.json'}, {args.out / 'results.md'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
