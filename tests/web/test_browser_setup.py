"""Getting a browser for the browser tests: announced before it is installed, and skippable
with a visible reason by people who cannot install one. None of these needs a browser."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from api.http.web import STATIC_DIR
from tests.web import server
from tests.web.server import INSTALLING, SKIP_VARIABLE, ensure_chromium

ROOT = Path(__file__).resolve().parents[2]


def test_installing_chromium_is_announced_before_apt_runs(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    missing = tmp_path / "chromium"
    events: list[str] = []

    def apt(command: list[str], **_kwargs: object) -> None:
        events.append(" ".join(command))
        if "install" in command:
            missing.touch()  # the package puts the browser in place

    monkeypatch.setattr(server, "CHROMIUM", missing)
    monkeypatch.setattr(server.os, "geteuid", lambda: 0)
    monkeypatch.setattr(server.subprocess, "run", apt)
    assert ensure_chromium(say=lambda line: events.append(f"said: {line}")) == str(missing)
    assert events == [
        f"said: {INSTALLING}",
        "apt-get update -qq",
        "apt-get install -y -qq chromium",
    ]
    assert "about 110 packages" in INSTALLING
    assert f"{SKIP_VARIABLE}=1" in INSTALLING


def test_without_root_the_failure_says_how_to_skip(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(server, "CHROMIUM", tmp_path / "chromium")
    monkeypatch.setattr(server.os, "geteuid", lambda: 1000)
    with pytest.raises(RuntimeError, match=f"apt-get install -y chromium.*{SKIP_VARIABLE}=1"):
        ensure_chromium(say=lambda line: pytest.fail(f"announced without installing: {line}"))


def test_the_skip_variable_skips_browser_tests_with_a_reason(tmp_path: Path) -> None:
    env = {**os.environ, SKIP_VARIABLE: "1"}
    env.pop("TEST_DATABASE_URL", None)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-rs",
            "tests/web/test_page.py::test_keyboard_only",
            "tests/web/test_page.py::test_html_has_no_inline_script_or_style_and_fetches_nothing_from_elsewhere",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    output = done.stdout
    # The page's source checks (one per HTML page) still run.
    pages = len(list(STATIC_DIR.glob("*.html")))
    assert f"{pages} passed, 2 skipped" in output
    assert re.search(rf"SKIPPED \[2\] tests/web/test_page.py:\d+: {SKIP_VARIABLE}=1: the", output)
    assert f"2 browser tests skipped: {SKIP_VARIABLE}=1" in output
