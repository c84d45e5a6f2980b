"""bench/run.py end to end, smallest size: `wegwijs serve` started for real, the generated
directory imported over HTTP, every phase run. Checks that the harness works and reports every
metric, never how fast anything is (timings depend on the machine)."""

import json
import math
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUN = ROOT / "bench" / "run.py"
TIMEOUT_SECONDS = 420  # a --quick run takes about a minute; a hung harness fails the test
# What the table reports; the harness must not silently drop one.
REQUIRED = {
    "import_seconds",
    "import_contacts_per_second",
    "startup_seconds",
    "get_p50_ms",
    "get_p95_ms",
    "get_p99_ms",
    "throughput_matches_per_second",
    "stall_requests",
    "stall_errors",
    "stall_stalled",
    "post_p50_ms",
    "post_p99_ms",
    "engine_p50_ms",
    "engine_matches_per_second",
    "engine_throughput_ratio",
    "stall_p99_ms",
    "api_floor_ratio",
    "health_p50_ms",
    "health_ratio",
    "bare_p50_ms",
    "framework_ratio",
    "peak_rss_mb",
    "cross_worker_update_seconds",
}


def test_quick_run_reports_every_metric(tmp_path: Path) -> None:
    out = tmp_path / "results"
    env = {k: v for k, v in os.environ.items() if not k.startswith("WEGWIJS_")}
    command = [sys.executable, str(RUN), "--quick", "--sizes", "1000", "--workers", "1"]
    command += ["--databases", "sqlite", "--out", str(out)]
    completed = subprocess.run(  # noqa: S603 (our own script)
        command,
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-4000:]

    document = json.loads((out / "results.json").read_text())
    assert len(document["rows"]) == 1
    row = document["rows"][0]
    assert "error" not in row, row["error"]
    assert (row["database"], row["workers"], row["contacts"]) == ("sqlite", 1, 1000)
    assert set(document["metrics"]) >= REQUIRED
    # Both need two workers.
    not_applicable = {"cross_worker_update_seconds", "cross_worker_relist_seconds"}
    for metric in document["metrics"]:
        value = row[metric]
        if metric in not_applicable:
            assert value is None, metric
            continue
        assert isinstance(value, int | float) and not isinstance(value, bool), (metric, value)
        assert math.isfinite(value), (metric, value)
        assert value >= 0, (metric, value)
    for errors in (
        "get_errors",
        "throughput_errors",
        "stall_errors",
        "post_errors",
        "api_floor_errors",
        "health_errors",
    ):
        assert row[errors] == 0, (errors, row.get("stall_error_samples"))
    assert row["bare_errors"] == 0
    assert row["stall_stalled"] == 0
    assert row["get_requests"] > 0 and row["throughput_requests"] > 0
    assert row["stall_requests"] > 0
    assert row["peak_rss_per_process"], "no process memory read"

    markdown = (out / "results.md").read_text()
    assert "| database | workers | contacts |" in markdown
    assert "| sqlite | 1 | 1,000 |" in markdown
    assert "| sqlite | 1 | 1,000 |" in completed.stdout  # the table is printed too


def test_issue_15_targets_are_each_checked_against_their_limit() -> None:
    sys.path.insert(0, str(RUN.parent))
    try:
        from run import targets
    finally:
        sys.path.remove(str(RUN.parent))
    one = {
        "database": "sqlite",
        "workers": 1,
        "contacts": 20_000,
        "throughput_matches_per_second": 210.0,
        "engine_throughput_ratio": 0.59,
        "get_p50_over_engine_ms": 1.4,
        "get_p99_ms": 26.0,
        "stall_errors": 0,
        "stall_stalled": 0,
        "stall_p99_ms": 240.0,
        "api_floor_ratio": 2.1,
        "health_ratio": 1.4,
        "import_seconds": 10.0,
    }
    two = {**one, "workers": 2, "throughput_matches_per_second": 349.0}
    two |= {"cross_worker_update_seconds": 0.5, "cross_worker_relist_seconds": 0.5}
    big = {**one, "contacts": 200_000, "get_p50_ms": 25.0, "peak_rss_mb": 801.0}
    big["startup_seconds"] = 20.0
    verdicts = {(c["target"], c["workers"]): c["pass"] for c in targets([one, two, big])}
    assert verdicts == {
        ("20k, 1 worker: ≥ 200 matches/s at 16 clients", 1): True,
        ("20k, 1 worker: service/engine throughput ≥ 60 %", 1): False,
        ("20k, 1 worker: GET p50 ≤ engine p50 + 1.5 ms", 1): True,
        ("20k, 1 worker: GET p99 ≤ 25 ms", 1): False,
        ("20k, 1 worker: 64 connections, no stall, no error", 1): True,
        ("20k, 1 worker: 64 connections p99 ≤ 250 ms", 1): True,
        ("20k, 1 worker: municipality read ≤ 2 × bare", 1): False,
        ("20k, 1 worker: /health ≤ 1.5 × bare", 1): True,
        ("20k: import ≤ 20 s", 1): True,
        ("20k, 2 workers: ≥ 350 matches/s at 16 clients", 2): False,
        ("20k: import ≤ 20 s", 2): True,
        ("cross-worker update ≤ 1 s", 2): True,
        ("cross-worker re-list ≤ 1 s (index, informative)", 2): True,
        ("200k: GET p50 ≤ 25 ms", 1): True,
        ("200k: peak RSS ≤ 800 MB per process", 1): False,
        ("200k: start-up ≤ 30 s", 1): True,
    }
