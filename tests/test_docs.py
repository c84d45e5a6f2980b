"""The docs stay true to the code: the configuration reference is the Settings class, every
setting the docs name exists, every relative link resolves, and the exit-code table lists
every exit code the CLI has."""

import importlib.util
import re
from pathlib import Path

from api.cli import common as cli
from api.core.settings import MatchingSettings, Settings

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = [ROOT / "README.md", ROOT / "SECURITY.md", *sorted(DOCS.glob("*.md"))]
# Read by the test suite, not the service: they are no settings.
TEST_VARIABLES = {"WEGWIJS_SKIP_BROWSER_TESTS", "WEGWIJS_FAULT_TESTS_MAY_STOP_MAIN"}


def _script():
    path = ROOT / "scripts" / "configuration_reference.py"
    spec = importlib.util.spec_from_file_location("configuration_reference", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _variables() -> set[str]:
    names = {f"WEGWIJS_{name.upper()}" for name in Settings.model_fields if name != "matching"}
    return names | {f"WEGWIJS_MATCHING__{name.upper()}" for name in MatchingSettings.model_fields}


def test_the_configuration_page_is_what_the_script_writes_from_the_settings() -> None:
    committed = (DOCS / "configuration.md").read_text(encoding="utf-8")
    assert committed == _script().render(), (
        "docs/configuration.md is out of date: run python scripts/configuration_reference.py"
    )


def test_every_setting_has_a_description_and_a_row_and_every_row_a_setting() -> None:
    for model in (Settings, MatchingSettings):
        missing = [name for name, field in model.model_fields.items() if not field.description]
        assert not missing, f"{model.__name__} fields without description=: {missing}"
    page = (DOCS / "configuration.md").read_text(encoding="utf-8")
    rows = set(re.findall(r"^\| `(WEGWIJS_[A-Z_]+)` \|", page, re.MULTILINE))
    assert rows == _variables()


def test_every_setting_the_docs_name_exists() -> None:
    known = _variables() | TEST_VARIABLES
    for page in PAGES:
        found = re.findall(r"WEGWIJS_[A-Z0-9_]+\*?", page.read_text(encoding="utf-8"))
        # `WEGWIJS_WEBHOOK_*` names a family, not a setting.
        named = {name.rstrip("_") for name in found if not name.endswith("*")}
        unknown = sorted(named - known)
        assert not unknown, f"{page.relative_to(ROOT)} names settings that do not exist: {unknown}"


def _anchors(page: Path) -> set[str]:
    """GitHub's ids for a page's headings: lower case, punctuation dropped, spaces to -."""
    anchors: set[str] = set()
    in_code = False
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            in_code = not in_code
        if in_code or not line.startswith("#"):
            continue
        title = line.lstrip("#").strip().lower()
        slug = re.sub(r"[^\w\- ]", "", title).replace(" ", "-")
        anchor, n = slug, 1
        while anchor in anchors:
            anchor, n = f"{slug}-{n}", n + 1
        anchors.add(anchor)
    return anchors


def test_every_relative_link_resolves() -> None:
    broken = []
    for page in PAGES:
        text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.DOTALL)
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"[a-z]+:", target):
                continue  # http(s), mailto: not ours to check offline
            path, _, anchor = target.partition("#")
            resolved = (page.parent / path).resolve() if path else page
            if not resolved.exists():
                broken.append(f"{page.relative_to(ROOT)}: {target} (no such file)")
            elif anchor and resolved.suffix == ".md" and anchor not in _anchors(resolved):
                broken.append(f"{page.relative_to(ROOT)}: {target} (no such heading)")
    assert not broken, "\n".join(broken)


def test_every_docs_page_is_in_the_index() -> None:
    index = (DOCS / "README.md").read_text(encoding="utf-8")
    for page in DOCS.glob("*.md"):
        if page.name != "README.md":
            assert f"]({page.name})" in index, f"docs/README.md does not link {page.name}"


def test_the_exit_code_table_lists_every_exit_code() -> None:
    codes = {v for name, v in vars(cli).items() if name.startswith("EXIT_") and isinstance(v, int)}
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    table = text[text.index("| Code | Meaning |") :].split("\n\n")[0]
    rows = re.findall(r"^\| (\d+) \| ", table, re.MULTILINE)
    assert [int(code) for code in rows] == sorted(codes)


def test_the_staff_csv_table_lists_every_column() -> None:
    from api.cli.csv_directory import COLUMNS

    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    table = text[text.index("| Column | Required | Contents |") :].split("\n\n")[0]
    documented = {
        name
        for cell in re.findall(r"^\| ([^|]+) \|", table, re.MULTILINE)
        for name in re.findall(r"`(\w+)`", cell)
    }
    assert documented == set(COLUMNS)


# Written by a run, never committed.
GENERATED_PATHS = {"bench/results/"}


def test_every_source_path_the_docs_name_exists() -> None:
    """Modules move (into packages, say): a page naming `api/…/x.py` must follow."""
    stale = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        pattern = r"`((?:api|matching|schemas|tests|scripts|bench|evaluation|docs)/[^`\s]*)`"
        for named in re.findall(pattern, text):
            path = named.split("::")[0]
            if any(c in path for c in "<*{…") or path in GENERATED_PATHS:
                continue  # a pattern (`api/routes/<noun>.py`), not a path
            if not (ROOT / path).exists():
                stale.append(f"{page.relative_to(ROOT)}: {named}")
    assert not stale, "\n".join(stale)
