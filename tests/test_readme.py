"""The README's promises a newcomer acts on first: the two commands and the port option on
its first screen, and every exit code the CLI has."""

import re
from pathlib import Path

from api.cli import common as cli

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
