"""The import rules of .importlinter hold: the engine imports nothing of ours, schemas only
themselves, services nothing of HTTP, the layers only downwards, and no module cycles."""

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
