"""The README's promises a newcomer acts on first: the two commands and the port option on
its first screen, every exit code the CLI has, and the matching weights' defaults."""

import re
from dataclasses import asdict
from pathlib import Path

from api.cli import common as cli
from api.core.settings import MatchingSettings
from matching import Weights

README = Path(__file__).resolve().parent.parent / "README.md"
FIRST_SCREEN = 40  # lines: what a newcomer sees before scrolling


def test_the_first_screen_has_the_two_commands_and_the_port_option() -> None:
    first = "\n".join(README.read_text(encoding="utf-8").splitlines()[:FIRST_SCREEN])
    assert (
        "python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/wegwijs serve --demo"
    ) in first
    assert "python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/pytest" in (
        first
    )
    assert "wegwijs serve --demo --port 8001" in first
    assert "WEGWIJS_SKIP_BROWSER_TESTS=1" in first


def test_the_exit_code_table_lists_every_exit_code() -> None:
    codes = {v for name, v in vars(cli).items() if name.startswith("EXIT_") and isinstance(v, int)}
    text = README.read_text(encoding="utf-8")
    table = text[text.index("| Code | Meaning |") :].split("\n\n")[0]
    rows = re.findall(r"^\| (\d+) \| ", table, re.MULTILINE)
    assert [int(code) for code in rows] == sorted(codes)


def _matching_rows() -> dict[str, str]:
    """Each ``WEGWIJS_MATCHING__*`` setting the README and docs/ state, with its stated
    default: ``| `WEGWIJS_MATCHING__TEXT`, `__THEME` | `0.35`, `0.30` | ...`` rows."""
    stated: dict[str, str] = {}
    for page in [README, *sorted((README.parent / "docs").rglob("*.md"))]:
        for line in page.read_text(encoding="utf-8").splitlines():
            if not line.startswith("| `WEGWIJS_MATCHING__"):
                continue
            names_cell, defaults_cell = line.split("|")[1:3]
            names = [n.split("__")[-1].lower() for n in re.findall(r"`([^`]+)`", names_cell)]
            defaults = re.findall(r"`([^`]+)`", defaults_cell)
            assert len(names) == len(defaults), line
            stated.update(zip(names, defaults, strict=True))
    return stated


def test_the_documented_matching_weights_are_the_engines_defaults() -> None:
    engine = asdict(Weights())
    stated = _matching_rows()
    # Every weight is documented, and with the value the engine declares (the settings take
    # their defaults from it: one source).
    assert sorted(stated) == sorted(engine)
    for name, value in stated.items():
        assert float(value) == engine[name], name
    assert MatchingSettings().weights() == Weights()
    assert set(MatchingSettings.model_fields) == set(engine)
