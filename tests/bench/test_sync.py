"""bench/sync.py end to end, small: the directory loaded, the changed export synced through
the service and the API, the index caught up, the same export again. Checks that the harness
works and reports every figure and outcome, never how fast anything is."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SYNC = ROOT / "bench" / "sync.py"
FIGURES = {
    "first load s",
    "index build s",
    "sync (service) s",
    "  of which validating s",
    "index catch-up s",
    "same export again s",
    "first load (again) s",
    "dry run (API) s",
    "sync (API) s",
}


def test_a_small_sync_reports_every_figure() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WEGWIJS_")}
    command = [sys.executable, str(SYNC), "--contacts", "600", "--changed", "0.05", "--json"]
    done = subprocess.run(  # noqa: S603 - our own script, with fixed arguments
        command, capture_output=True, text=True, env=env, timeout=300, check=False, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr[-2000:]
    outcome = json.loads(done.stdout)
    assert set(outcome["figures"]) == FIGURES
    assert all(seconds >= 0 for seconds in outcome["figures"].values())
    assert outcome["database"] == "sqlite"
    # 5 % of 600: 30 people differ: 22 changed, 4 left, 4 joined.
    assert outcome["export"] == {"changed": 22, "left": 4, "joined": 4}
    assert outcome["counts"] == {"created": 4, "updated": 22, "unchanged": 574, "withdrawn": 4}
    assert outcome["index_in_place"] is True
    assert outcome["directory_versions"] == 1
    assert outcome["again"] == {"created": 0, "updated": 0, "unchanged": 600, "withdrawn": 0}
    assert outcome["again_unmoved"] is True
