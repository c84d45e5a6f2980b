"""The README's promises a newcomer acts on first: the two commands and the port option on
its first screen, and a landing page short enough to read (the rest is in docs/)."""

from dataclasses import asdict
from pathlib import Path

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


def test_the_readme_is_a_landing_page() -> None:
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 200, f"README.md has {len(lines)} lines: move the details to docs/"


def test_the_matching_settings_take_the_engines_defaults() -> None:
    """The weights' defaults are declared once (``matching.Weights``); the settings, and so
    the configuration reference generated from them, take theirs from it."""
    engine = asdict(Weights())
    assert set(MatchingSettings.model_fields) == set(engine)
    assert MatchingSettings().weights() == Weights()
    for name, field in MatchingSettings.model_fields.items():
        assert field.default == engine[name], name
