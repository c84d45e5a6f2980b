"""The import rules of .importlinter hold: the engine imports nothing of ours, schemas only
themselves, services nothing of HTTP, the layers only downwards, and no module cycles."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_import_contracts_are_kept() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(  # noqa: S603 (our own venv's lint-imports)
        [str(lint_imports), "--config", str(ROOT / ".importlinter"), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout
    # Every contract ran: a config that silently lost one would still exit 0.
    assert result.stdout.count("KEPT") == 5, result.stdout


# Runs the engine's tests in a fresh interpreter and reports what they imported.
_ENGINE_TESTS = """
import json, sys
import pytest
collected = pytest.main(["-p", "no:cacheprovider", "-q", "--collect-only", "tests/matching"])
ran = pytest.main(["-p", "no:cacheprovider", "-q", "tests/matching/test_text.py"])
heavy = ("fastapi", "starlette", "sqlalchemy", "sqlmodel", "api", "schemas")
print(json.dumps({
    "exit": [int(collected), int(ran)],
    "imported": sorted(m for m in sys.modules if m.split(".")[0] in heavy),
}))
"""


def test_the_engines_tests_need_neither_the_app_nor_a_database() -> None:
    """tests/conftest.py used to import the app and set up a database for every test; the
    engine's tests (which never touch either) collect and run without importing FastAPI, the
    service or a database library."""
    result = subprocess.run(  # noqa: S603 (our own interpreter and tests)
        [sys.executable, "-c", _ENGINE_TESTS],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["exit"] == [0, 0], result.stdout
    assert report["imported"] == [], report["imported"]
