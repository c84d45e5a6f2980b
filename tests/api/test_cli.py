"""The ``wegwijs`` command line: match, import (JSON and CSV), export, exit codes.

Commands run in-process (typer's CliRunner) against the test database, which they find
through ``WEGWIJS_DATABASE_URL`` as they would on a server.
"""

import csv
import io
import json
import re
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner, Result

from api.cli.csv_directory import (
    COLUMNS,
    join_items,
    quote_formula,
    read_staff_csv,
    split_items,
    unquote_formula,
)
from api.cli.main import app
from schemas import Area, Contact, Municipality, Unit
from tests.api.conftest import empty_all_tables
from tests.helpers import API, Headers, contact_record, directory

Run = Callable[..., Result]
EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "staff.csv"
UNREACHABLE = "postgresql+psycopg://nobody@127.0.0.1:1/nowhere"


@pytest.fixture
def run(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Run:
    """Run ``wegwijs ARGS`` on the test database; stdout and stderr stay apart."""
    monkeypatch.setenv("WEGWIJS_DATABASE_URL", database_url)
    monkeypatch.delenv("COLUMNS", raising=False)
    runner = CliRunner()

    def _run(*args: object, input: str | None = None) -> Result:
        return runner.invoke(app, [str(a) for a in args], input=input)

    return _run


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            model.__tablename__: connection.execute(
                select(func.count()).select_from(model)
            ).scalar_one()
            for model in (Municipality, Area, Unit, Contact)
        }


def write_json(path: Path, document: dict) -> Path:
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def places(document: dict) -> dict:
    """Only the municipalities and areas of a document: what a CSV needs in place first."""
    return {"municipalities": document["municipalities"], "areas": document["areas"]}


def canonical(document: dict) -> dict:
    """A directory without its document keys (which an export makes from ids): units by
    their content and their parent's, contacts by their content, unit and acquaintances."""
    units = {u["key"]: u for u in document["units"]}
    contacts = {c["key"]: c for c in document["contacts"]}

    def unit(key: str) -> str:
        record = {k: v for k, v in units[key].items() if k not in ("key", "parentKey")}
        parent = units[key].get("parentKey")
        return json.dumps([record, unit(parent) if parent else None], sort_keys=True)

    def contact(record: dict, *, deep: bool = True) -> str:
        content = {k: v for k, v in record.items() if k not in ("key", "unitKey", "knows")}
        content["unit"] = unit(record["unitKey"])
        if deep:
            content["knows"] = sorted(contact(contacts[k], deep=False) for k in record["knows"])
        return json.dumps(content, sort_keys=True)

    return {
        "municipalities": sorted(json.dumps(m, sort_keys=True) for m in document["municipalities"]),
        "areas": sorted(json.dumps(a, sort_keys=True) for a in document["areas"]),
        "units": sorted(unit(key) for key in units),
        "contacts": sorted(contact(c) for c in contacts.values()),
    }


def export(run: Run, *args: object) -> dict:
    result = run("export", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# The test directory (tests.helpers.DIRECTORY) as a municipality's HR department might
# export it: semicolons and a byte order mark (Dutch Excel), Dutch booleans and dates, theme
# labels, acquaintances by email in any case, a unit described on a row of its own.
HR_ROWS: list[dict[str, str]] = [
    {"unitKey": "sociaal", "unitName": "Cluster Sociaal", "unitKind": "cluster"},
    {
        "unitKey": "wonen",
        "unitName": "Afdeling Wonen",
        "unitKind": "department",
        "parentUnitKey": "sociaal",
        "unitThemes": "Wonen",
        "unitEmail": "wonen@amsterdam.example",
        "contactKey": "P001",
        "name": "Annelies de Vries",
        "jobTitle": "Beleidsadviseur wonen",
        "email": "a.devries@amsterdam.example",
        "phone": "+31 20 555 0101",
        "themes": "wonen; energie",
        "areaCodes": "SD0363T",
        "expertise": "Wooncoöperaties en collectief particulier opdrachtgeverschap.",
        "networks": "Woningcorporatie Ymere|housing",
        "knows": "B.Jansen@amsterdam.example",
        "consentAt": "2026-01-10T08:00:00Z",
        "publicProfile": "ja",
    },
    {
        "unitKey": "gebied-zo",
        "unitName": "Gebiedsteam Zuidoost",
        "unitKind": "area_team",
        "parentUnitKey": "sociaal",
        "unitAreaCodes": "SD0363T",
        "name": "Bram Jansen",
        "jobTitle": "Gebiedsmakelaar",
        "email": "b.jansen@amsterdam.example",
        "themes": "participatie",
        "areaCodes": "BU0363TA01",
        "knows": "P001;f.elamrani@amsterdam.example",
        "consentAt": "11-01-2026 08:00",
        "publicProfile": "nee",
    },
    {
        "unitKey": "sociaal",
        "name": "Chantal Bakker",
        "jobTitle": "Subsidieadviseur",
        "email": "c.bakker@amsterdam.example",
        "themes": "subsidie",
        "consentAt": "2026-01-12 08:00:00",
        "publicProfile": "yes",
    },
    {
        "unitKey": "wonen",
        "unitName": "Afdeling Wonen",
        "name": "Dirk Visser",
        "jobTitle": "Woonconsulent",
        "email": "d.visser@amsterdam.example",
        "themes": "Wonen",
        "publicProfile": "1",
    },
    {
        "unitKey": "ruimte",
        "unitName": "Cluster Ruimte",
        "unitKind": "cluster",
        "name": "Eva Mulder",
        "jobTitle": "Programmamanager duurzaamheid",
        "email": "e.mulder@amsterdam.example",
        "themes": "energie",
        "areaCodes": "SD0363N",
        "expertise": "Energiecoöperaties en zonnedaken.",
        "consentAt": "13-01-2026 08:00",
        "publicProfile": "TRUE",
    },
    {
        "unitKey": "gebied-zo",
        "name": "Fatima El Amrani",
        "jobTitle": "Jongerenwerker",
        "email": "f.elamrani@amsterdam.example",
        "themes": "Jeugd",
        "areaCodes": "WK0363TA",
        "languages": "nl;ar",
        "consentAt": "2026-01-14T09:00:00+01:00",
        "publicProfile": "J",
    },
]


def hr_csv(rows: list[dict[str, str]] = HR_ROWS, delimiter: str = ";") -> str:
    columns = [c for c in COLUMNS if c in {k for row in rows for k in row}]
    columns = list(dict.fromkeys(["municipalityCode", *columns, "email", "name", "jobTitle"]))
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, delimiter=delimiter, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({"municipalityCode": "GM0363", **row})
    return "\ufeff" + out.getvalue()


def staff_csv(tmp_path: Path, body: str, name: str = "staff.csv") -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8", newline="")
    return path


@pytest.fixture
def places_only(run: Run, tmp_path: Path) -> None:
    """The test municipality and its areas, without units or contacts."""
    result = run("import", write_json(tmp_path / "places.json", places(directory())))
    assert result.exit_code == 0, result.output


# --- exit codes and help ----------------------------------------------------------------


def test_help_documents_the_exit_codes(run: Run) -> None:
    result = run("--help")
    assert result.exit_code == 0
    assert "Exit codes" in result.stdout
    for code in ("0 success", "1 invalid", "2 usage", "3 the database"):
        assert code in " ".join(result.stdout.split())


def test_an_unreachable_database_is_exit_code_3(
    run: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("WEGWIJS_DATABASE_URL", UNREACHABLE)
    for args in (
        ("match", "-m", "GM0363", "taalcafé"),
        ("export",),
        ("import", write_json(tmp_path / "d.json", directory())),
        ("db", "upgrade"),
    ):
        result = run(*args)
        assert result.exit_code == 3, (args, result.output)
        assert "not reachable" in result.stderr
        assert result.stdout == ""


def test_a_read_only_command_creates_no_database_file(
    run: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    missing = tmp_path / "var" / "none.db"
    monkeypatch.setenv("WEGWIJS_DATABASE_URL", f"sqlite:///{missing}")
    result = run("match", "-m", "GM0363", "taalcafé")
    assert result.exit_code == 3
    assert "wegwijs db upgrade" in result.stderr
    assert not missing.exists()


def test_usage_errors_are_exit_code_2(run: Run, tmp_path: Path) -> None:
    assert run("match", "taalcafé").exit_code == 2  # --municipality missing
    assert run("match", "-m", "GM0363", "x", "--need", "gold").exit_code == 2
    assert run("match", "-m", "GM0363", "x", "--limit", "0").exit_code == 2
    assert run("import", tmp_path / "missing.csv").exit_code == 2
    other = tmp_path / "staff.xlsx"
    other.write_bytes(b"PK")
    result = run("import", other)
    assert result.exit_code == 2
    assert "--format" in result.stderr
    assert run("export", "--format", "xml").exit_code == 2


# --- match ------------------------------------------------------------------------------


def _question(**fields: Any) -> dict:
    return {
        "municipalityCode": "GM0363",
        "text": "Een energiecoöperatie voor zonnedaken in Noord",
        "areaCodes": ["SD0363N"],
        **fields,
    }


def test_match_prints_ranked_rows_with_reasons(run: Run, municipality) -> None:
    result = run(
        "match", "-m", "GM0363", "Een energiecoöperatie voor zonnedaken in Noord",
        "--area", "SD0363N", "--limit", "3",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    answer = json.loads(
        run(
            "match", "-m", "GM0363", "Een energiecoöperatie voor zonnedaken in Noord",
            "--area", "SD0363N", "--limit", "3", "--json",
        ).stdout
    )  # fmt: skip
    items = answer["items"]
    assert items and items[0]["contact"]["name"] == "Eva Mulder"
    table = result.stdout
    assert "Wie moet ik hebben? Amsterdam" in table
    for header in ("#", "Score", "Contact", "Unit", "Needs covered", "Why"):
        assert header in table
    # Ranked in the API's order (each row names the contact's id), with scores and units.
    positions = [re.search(rf"\bid {item['contact']['id']}\b", table).start() for item in items]
    assert positions == sorted(positions)
    for item in items:
        assert re.search(rf"│ +{item['rank']} │ +{item['score']:.2f} │", table)
    words = " ".join(table.replace("│", " ").split())
    assert items[0]["contact"]["unit"]["name"] in words
    # Every reason's Dutch sentence is there (the cell wraps it; compare word by word).
    for reason in items[0]["reasons"]:
        first_words = " ".join(reason["detail"].split()[:3])
        assert first_words in words, reason["detail"]


def test_match_json_is_the_api_answer_for_a_broker(
    run: Run, client: TestClient, broker: Headers, municipality
) -> None:
    known = municipality.contacts["annelies"]
    question = _question(needs=[{"kind": "knowledge"}], knownContactIds=[known], limit=4)
    result = run(
        "match", "-m", "GM0363", question["text"], "--area", "SD0363N",
        "--need", "knowledge", "--known", known, "--limit", "4", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    api = client.post(f"{API}/matches", json=question, headers=broker)
    assert api.status_code == 200
    assert json.loads(result.stdout) == api.json()
    # The broker sees names of contacts without a public profile too.
    result = run("match", "-m", "GM0363", "participatie in de Amsterdamse Poort", "--json")
    names = {i["contact"]["name"] for i in json.loads(result.stdout)["items"]}
    assert "Bram Jansen" in names


def test_match_public_is_what_anyone_sees(run: Run, client: TestClient, municipality) -> None:
    question = {"municipalityCode": "GM0363", "text": "participatie in de Amsterdamse Poort"}
    result = run("match", "-m", "GM0363", question["text"], "--public", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == client.post(f"{API}/matches", json=question).json()
    items = json.loads(result.stdout)["items"]
    assert any(i["contact"]["name"] is None for i in items)  # Bram's profile is not public
    table = run("match", "-m", "GM0363", question["text"], "--public").stdout
    assert "Bram Jansen" not in table
    assert "(name not public)" in table


def test_match_reads_the_text_from_stdin(run: Run, municipality) -> None:
    result = run("match", "-m", "GM0363", "-", "--json", input="zonnedaken in Noord\n")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["items"][0]["contact"]["name"] == "Eva Mulder"


def test_match_with_an_unknown_municipality_is_exit_code_1(run: Run, municipality) -> None:
    result = run("match", "-m", "GM9999", "taalcafé")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "--municipality: Unknown municipality GM9999." in result.stderr
    result = run("match", "-m", "Amsterdam", "taalcafé")
    assert result.exit_code == 1
    assert "--municipality: Must be a CBS municipality code" in result.stderr


def test_match_warns_about_typos_but_answers(run: Run, municipality) -> None:
    result = run("match", "-m", "GM0363", "zonnedaken", "--area", "SD0363X", "--theme", "enrgie")
    assert result.exit_code == 0, result.output
    assert "SD0363X is not an area of GM0363" in result.stderr
    assert "'enrgie' is not a theme slug" in result.stderr


def test_match_without_results_is_exit_code_0(run: Run, places_only: None) -> None:
    result = run("match", "-m", "GM0363", "taalcafé", "--json")
    assert result.exit_code == 0
    answer = json.loads(result.stdout)
    assert answer["initiativeId"] is None
    assert answer["items"] == []
    assert answer["understood"]["language"] == "nl"
    result = run("match", "-m", "GM0363", "taalcafé")
    assert result.exit_code == 0
    assert "No listed civil servant" in result.stderr


# --- import -----------------------------------------------------------------------------


def test_csv_import_gives_the_same_directory_as_the_json_import(
    run: Run, engine: Engine, tmp_path: Path
) -> None:
    result = run("import", write_json(tmp_path / "directory.json", directory()))
    assert result.exit_code == 0, result.output
    assert "Imported 1 municipality, 4 areas, 4 units and 6 contacts" in result.stdout
    from_json = export(run)
    empty_all_tables(engine)

    run("import", write_json(tmp_path / "places.json", places(directory())))
    result = run("import", staff_csv(tmp_path, hr_csv()))
    assert result.exit_code == 0, result.output
    assert "Imported 4 units and 6 contacts" in result.stdout
    # Labels became slugs; themes outside the vocabulary are kept, with a warning.
    assert "Theme 'energie' is not in the vocabulary" in result.stderr
    assert "also on rows 7" in result.stderr
    assert "1 contact has no consentAt" in result.stderr
    assert canonical(export(run)) == canonical(from_json)


def test_csv_import_json_output_maps_keys_to_ids(
    run: Run, client: TestClient, admin: Headers, places_only: None, tmp_path: Path
) -> None:
    result = run("import", staff_csv(tmp_path, hr_csv()), "--json", "--quiet")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    body = json.loads(result.stdout)
    assert set(body["units"]) == {"sociaal", "wonen", "gebied-zo", "ruimte"}
    # A row without a contactKey is keyed by its email.
    assert set(body["contacts"]) == {
        "P001",
        "b.jansen@amsterdam.example",
        "c.bakker@amsterdam.example",
        "d.visser@amsterdam.example",
        "e.mulder@amsterdam.example",
        "f.elamrani@amsterdam.example",
    }
    bram = client.get(
        f"{API}/contacts/{body['contacts']['b.jansen@amsterdam.example']}", headers=admin
    ).json()
    assert sorted(bram["knows"]) == sorted(
        [body["contacts"]["P001"], body["contacts"]["f.elamrani@amsterdam.example"]]
    )
    assert bram["consentAt"] == "2026-01-11T08:00:00Z"
    assert bram["publicProfile"] is False
    fatima = client.get(
        f"{API}/contacts/{body['contacts']['f.elamrani@amsterdam.example']}", headers=admin
    ).json()
    assert fatima["consentAt"] == "2026-01-14T08:00:00Z"
    assert fatima["languages"] == ["nl", "ar"]
    assert fatima["themes"] == ["jeugd"]


def _broken(rows: list[dict[str, str]], index: int, **cells: str) -> list[dict[str, str]]:
    changed = [dict(row) for row in rows]
    changed[index].update(cells)
    return changed


# Each case: the rows, then (row, column) pairs that must be named; the first data row is 2.
BROKEN = {
    "bad email": (_broken(HR_ROWS, 1, email="annelies@"), [("row 3", "column email")]),
    "bad consent date": (
        _broken(HR_ROWS, 2, consentAt="31-02-2026"),
        [("row 4", "column consentAt")],
    ),
    "consent not a date": (
        _broken(HR_ROWS, 2, consentAt="gisteren"),
        [("row 4", "column consentAt")],
    ),
    "unknown area": (
        _broken(HR_ROWS, 6, areaCodes="WK0363TA;BU0363XX99"),
        [("row 8", "column areaCodes, item 2")],
    ),
    "area of another municipality": (
        _broken(HR_ROWS, 1, unitAreaCodes="WK0599AA"),
        [("row 3", "column unitAreaCodes, item 1")],
    ),
    "duplicate contact key": (
        _broken(HR_ROWS, 3, contactKey="P001"),
        [("row 5", "column contactKey")],
    ),
    "duplicate email as key": (
        _broken(HR_ROWS, 4, email="c.bakker@amsterdam.example"),
        [("row 6", "column email")],
    ),
    "unknown parent unit": (
        _broken(HR_ROWS, 5, parentUnitKey="stadsdeel"),
        [("row 7", "column parentUnitKey")],
    ),
    "unit never described": (
        _broken(HR_ROWS, 3, unitKey="subsidies"),
        [("row 5", "column unitName"), ("row 5", "column unitKind")],
    ),
    "unit rows disagree": (
        _broken(HR_ROWS, 4, unitName="Afdeling Wonen en Bouwen"),
        [("row 6", "column unitName")],
    ),
    "unknown acquaintance": (
        _broken(HR_ROWS, 1, knows="iemand@amsterdam.example"),
        [("row 3", "column knows, item 1")],
    ),
    "bad unit kind": (_broken(HR_ROWS, 5, unitKind="afdeling"), [("row 7", "column unitKind")]),
    "bad boolean": (_broken(HR_ROWS, 1, publicProfile="misschien"), [("row 3", "publicProfile")]),
    "bad network kind": (
        _broken(HR_ROWS, 1, networks="Ymere|housing;Buurthuis|buurt"),
        [("row 3", "column networks, item 2")],
    ),
    "missing name": (_broken(HR_ROWS, 6, name=""), [("row 8", "column name")]),
    "contact without unit": (_broken(HR_ROWS, 6, unitKey=""), [("row 8", "column unitKey")]),
    "several at once": (
        _broken(_broken(HR_ROWS, 1, email="x"), 6, consentAt="2026-13-01", phone="bel me"),
        [("row 3", "column email"), ("row 8", "column phone"), ("row 8", "column consentAt")],
    ),
}


@pytest.mark.parametrize("case", BROKEN, ids=list(BROKEN))
def test_a_broken_csv_stores_nothing_and_names_row_and_column(
    case: str, run: Run, engine: Engine, municipality, tmp_path: Path
) -> None:
    rows, expected = BROKEN[case]
    before = counts(engine)
    result = run("import", staff_csv(tmp_path, hr_csv(rows)))
    assert result.exit_code == 1, result.output
    assert counts(engine) == before
    assert "nothing was stored" in result.stderr
    lines = result.stderr.splitlines()
    for row, column in expected:
        assert any(row in line and column in line for line in lines), (row, column, lines)
    problems, rows = len(expected), len({row for row, _ in expected})
    assert (
        f"{problems} problem{'s' * (problems != 1)} on {rows} row{'s' * (rows != 1)}; nothing"
    ) in result.stderr
    assert result.stdout == ""


def test_a_duplicate_names_the_first_row(run: Run, municipality, tmp_path: Path) -> None:
    result = run("import", staff_csv(tmp_path, hr_csv(BROKEN["duplicate contact key"][0])))
    assert "Duplicate contact key P001 (first on row 3)." in result.stderr


def test_bad_header_is_named(run: Run, engine: Engine, municipality, tmp_path: Path) -> None:
    before = counts(engine)
    body = "municipalityCode,unitKey,unitName,unitKind,name,jobtitel\nGM0363,a,A,team,Jan,X\n"
    result = run("import", staff_csv(tmp_path, body))
    assert result.exit_code == 1
    assert "row 1, column jobtitel: Unknown column." in result.stderr
    assert "row 1, column jobTitle: Missing column." in result.stderr
    assert "row 1, column email: Missing column." in result.stderr
    assert "The columns are: municipalityCode," in result.stderr
    assert counts(engine) == before


def test_a_csv_needs_its_municipality_in_place(run: Run, engine: Engine, tmp_path: Path) -> None:
    result = run("import", staff_csv(tmp_path, hr_csv()))
    assert result.exit_code == 1
    assert "row 2, column municipalityCode: Unknown municipality GM0363." in result.stderr
    assert "load them first" in result.stderr
    assert counts(engine) == dict.fromkeys(("municipality", "area", "unit", "contact"), 0)


def test_problems_are_capped_but_counted(run: Run, places_only: None, tmp_path: Path) -> None:
    rows = [
        {"unitKey": "t", "unitName": "Team", "unitKind": "team", "name": f"N{i}",
         "jobTitle": "Adviseur", "email": f"wrong{i}"}
        for i in range(30)
    ]  # fmt: skip
    result = run("import", staff_csv(tmp_path, hr_csv(rows, delimiter=",")))
    assert result.exit_code == 1
    assert "30 problems on 30 rows" in result.stderr
    assert "… and 10 more" in result.stderr
    assert result.stderr.count("column email") == 20
    result = run("import", staff_csv(tmp_path, hr_csv(rows)), "--max-problems", "3")
    assert result.stderr.count("column email") == 3
    assert "… and 27 more" in result.stderr


def test_dry_run_checks_everything_and_stores_nothing(
    run: Run, engine: Engine, places_only: None, tmp_path: Path
) -> None:
    before = counts(engine)
    result = run("import", staff_csv(tmp_path, hr_csv()), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "no problems in 4 units and 6 contacts; nothing was stored" in result.stdout
    assert counts(engine) == before
    broken = staff_csv(tmp_path, hr_csv(BROKEN["unknown area"][0]))
    result = run("import", broken, "--dry-run")
    assert result.exit_code == 1
    assert "row 8, column areaCodes, item 2" in result.stderr
    assert counts(engine) == before


def test_counts_of_one_are_singular(run: Run, tmp_path: Path) -> None:
    """No "1 municipalities" or "1 problem(s)": every count the CLI prints agrees with it."""
    document = directory()
    document["areas"] = document["areas"][:1]
    document["units"] = document["units"][:1]
    document["contacts"] = [
        {**contact_record("annelies"), "unitKey": "sociaal", "knows": [], "consentAt": None,
         "themes": ["eigen-thema"], "areaCodes": []}
    ]  # fmt: skip
    path = write_json(tmp_path / "one.json", document)
    result = run("import", path, "--dry-run")
    assert "no problems in 1 unit and 1 contact; nothing was stored" in result.stdout
    result = run("import", path, "--max-problems", "1")
    assert result.exit_code == 0, result.output
    assert "Imported 1 municipality, 1 area, 1 unit and 1 contact from" in result.stdout
    assert "… and 1 more warning\n" in result.stderr  # the consent warning was the second
    result = run("import", path)
    assert "1 contact has no consentAt" in result.stderr
    result = run("export", "-m", "GM0363", "-o", tmp_path / "out.json")
    assert "Exported 1 municipality, 1 area, 2 units and 2 contacts to" in result.stderr
    bad = directory()
    bad["contacts"][0]["email"] = "nope"
    result = run("import", write_json(tmp_path / "bad.json", bad))
    assert "bad.json: 1 problem; nothing was stored." in result.stderr
    csv_path = staff_csv(tmp_path, hr_csv(_broken(HR_ROWS, 1, email="x")))
    assert "1 problem on 1 row; nothing was stored." in run("import", csv_path).stderr


def test_the_format_comes_from_the_extension_or_the_option(
    run: Run, engine: Engine, places_only: None, tmp_path: Path
) -> None:
    path = staff_csv(tmp_path, hr_csv(), name="personeel.export")
    assert run("import", path).exit_code == 2
    result = run("import", path, "--format", "csv")
    assert result.exit_code == 0, result.output
    assert counts(engine)["contact"] == 6


def test_encoding_problems_are_named(run: Run, places_only: None, tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes(hr_csv().lstrip("\ufeff").encode("cp1252"))
    result = run("import", path)
    assert result.exit_code == 1
    assert "--encoding" in result.stderr
    result = run("import", path, "--encoding", "cp1252")
    assert result.exit_code == 0, result.output


def test_json_import_problems_are_named_by_path(run: Run, engine: Engine, tmp_path: Path) -> None:
    document = directory()
    document["contacts"][3]["email"] = "not-an-email"
    result = run("import", write_json(tmp_path / "bad.json", document))
    assert result.exit_code == 1
    assert "contacts[3].email: Must be an email address." in result.stderr
    document = directory()
    document["contacts"][1]["unitKey"] = "nergens"
    result = run("import", write_json(tmp_path / "bad.json", document))
    assert result.exit_code == 1
    assert "contacts[1].unitKey: Unknown unit key nergens." in result.stderr
    assert counts(engine) == dict.fromkeys(("municipality", "area", "unit", "contact"), 0)


def test_the_documented_example_adds_to_the_demo_without_duplicates(
    run: Run, engine: Engine, client: TestClient, broker: Headers
) -> None:
    """The natural next step in docs/cli.md, `wegwijs demo load` then `wegwijs import
    docs/examples/staff.csv`: new people in a new programme, nobody and no unit twice."""
    assert run("demo", "load").exit_code == 0
    before = counts(engine)
    result = run("import", EXAMPLE)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""  # no warnings: every theme and area is the demo's
    assert counts(engine)["contact"] == before["contact"] + 3
    assert counts(engine)["unit"] == before["unit"] + 3
    with engine.connect() as connection:
        names = connection.execute(select(Contact.name)).scalars().all()
        emails = connection.execute(select(func.lower(Contact.email))).scalars().all()
        units = connection.execute(select(Unit.name)).scalars().all()
    assert len(names) == len(set(names))
    assert len(emails) == len(set(emails))
    assert len(units) == len(set(units))

    tree = client.get(f"{API}/units/tree", params={"municipalityCode": "GM0363"}).json()

    def walk(nodes: list[dict]) -> Iterator[dict]:
        for node in nodes:
            yield node
            yield from walk(node["children"])

    tree_names = [node["name"] for node in walk(tree["units"])]
    assert tree_names.count("Cluster Sociaal Domein") == 1
    programme = next(n for n in tree["units"] if n["name"] == "Programma Taal en Ontmoeting")
    assert {c["name"] for c in programme["children"]} == {
        "Team Taalhuizen Nieuw-West",
        "Team Taalmaatjes Noord",
    }

    question = {
        "municipalityCode": "GM0363",
        "text": "Taalmaatjes en oefengroepen voor nieuwkomers in Geuzenveld",
        "areaCodes": ["WK0363FA"],
        "limit": 10,
    }
    ranking = client.post(f"{API}/matches", json=question, headers=broker).json()["items"]
    ranked = [item["contact"]["name"] for item in ranking]
    assert len(ranked) == len(set(ranked)), ranked
    assert "Mirjam Koopmans" in ranked  # the new people are found


def test_a_500_row_csv_imports(run: Run, engine: Engine, places_only: None, tmp_path: Path) -> None:
    rows: list[dict[str, str]] = [
        {"unitKey": "cluster", "unitName": "Cluster Sociaal", "unitKind": "cluster"}
    ]
    for team in range(10):
        for person in range(50):
            rows.append(
                {
                    "unitKey": f"team-{team}",
                    "unitName": f"Team {team}",
                    "unitKind": "team",
                    "parentUnitKey": "cluster",
                    "name": f"Medewerker {team}-{person}",
                    "jobTitle": "Adviseur",
                    "email": f"m{team}.{person}@amsterdam.example",
                    "themes": "Jeugd;sociale-cohesie",
                    "areaCodes": "SD0363T" if person % 2 else "",
                    "knows": f"m{team}.{(person + 1) % 50}@amsterdam.example",
                    "consentAt": "15-01-2026",
                    "publicProfile": "ja" if person % 3 else "nee",
                    "capacityPerMonth": str(person % 6),
                }
            )
    result = run("import", staff_csv(tmp_path, hr_csv(rows, delimiter=",")), "--quiet")
    assert result.exit_code == 0, result.output
    assert counts(engine)["contact"] == 500
    assert counts(engine)["unit"] == 11
    exported = export(run)
    assert all(len(c["knows"]) == 1 for c in exported["contacts"])


# --- export -----------------------------------------------------------------------------


def test_export_then_import_into_an_empty_database_is_the_same_directory(
    run: Run, engine: Engine, municipality, tmp_path: Path
) -> None:
    target = tmp_path / "directory.json"
    result = run("export", "--municipality", "GM0363", "-o", target)
    assert result.exit_code == 0, result.output
    assert "Exported 1 municipality, 4 areas, 4 units and 6 contacts" in result.stderr
    assert stat.S_IMODE(target.stat().st_mode) == 0o600  # personal data
    first = json.loads(target.read_text(encoding="utf-8"))
    assert canonical(first) == canonical(
        json.loads(json.dumps(first))  # sanity: keys do not matter
    )
    empty_all_tables(engine)
    assert run("import", target).exit_code == 0
    assert canonical(export(run)) == canonical(first)


def test_csv_export_round_trip(run: Run, engine: Engine, municipality, tmp_path: Path) -> None:
    first = export(run)
    target = tmp_path / "staff.csv"
    result = run("export", "-o", target)  # the format follows the extension
    assert result.exit_code == 0, result.output
    assert "The CSV has no municipalities or areas" in result.stderr
    header = target.read_text(encoding="utf-8").splitlines()[0]
    assert header == ",".join(COLUMNS)
    empty_all_tables(engine)
    assert run("import", write_json(tmp_path / "places.json", places(first))).exit_code == 0
    result = run("import", target)
    assert result.exit_code == 0, result.output
    assert canonical(export(run)) == canonical(first)


def test_csv_export_keeps_awkward_values(
    run: Run, client: TestClient, admin: Headers, engine: Engine, municipality, tmp_path: Path
) -> None:
    """Separators inside values, formulas and line breaks survive the CSV round trip."""
    contact_id = municipality.contacts["eva"]
    response = client.patch(
        f"{API}/contacts/{contact_id}",
        json={
            "expertise": "=HYPERLINK(\"x\")\nTweede regel; met | tekens \\ en 'quotes'",
            "networks": [{"name": "A;B|C", "kind": "community", "note": "x|y;z"}],
            "themes": ["energie", "wonen;bouwen"],
            "name": "-Eva Mulder",
        },
        headers=admin,
    )
    assert response.status_code == 200, response.text
    first = export(run)
    result = run("export", "--format", "csv")
    assert result.exit_code == 0
    assert "'=HYPERLINK" in result.stdout and "'-Eva" in result.stdout
    target = staff_csv(tmp_path, result.stdout)
    empty_all_tables(engine)
    run("import", write_json(tmp_path / "places.json", places(first)))
    result = run("import", target)
    assert result.exit_code == 0, result.output
    assert canonical(export(run)) == canonical(first)


def test_export_of_an_unknown_municipality_is_exit_code_1(run: Run, municipality) -> None:
    result = run("export", "-m", "GM9999")
    assert result.exit_code == 1
    assert "Unknown municipality GM9999" in result.stderr
    assert result.stdout == ""


# --- the CSV cell rules -----------------------------------------------------------------

item = (
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=12)
    .map(str.strip)
    .filter(bool)
)


@given(st.lists(item, max_size=6))
def test_multi_valued_cells_round_trip(items: list[str]) -> None:
    assert split_items(join_items(items)) == items


@given(st.text(max_size=12))
def test_formula_quoting_round_trips(cell: str) -> None:
    quoted = quote_formula(cell)
    assert not quoted.startswith(("=", "+", "-", "@"))
    assert unquote_formula(quoted) == cell


def test_the_delimiter_is_detected() -> None:
    for delimiter in (",", ";", "\t"):
        read = read_staff_csv(hr_csv(delimiter=delimiter).lstrip("\ufeff"))
        assert read.problems == []
        assert len(read.document["contacts"]) == 6


# --- sync ----------------------------------------------------------------------------------


def numbered(rows: list[dict[str, str]] = HR_ROWS) -> list[dict[str, str]]:
    """The HR rows with the HR system's numbers: every person and every unit."""
    return [
        {
            **row,
            "unitExternalId": f"ORG-{row['unitKey']}",
            **({"externalId": f"HR-{i}"} if "name" in row else {}),
        }
        for i, row in enumerate(rows)
    ]


def test_sync_prints_what_changed_and_the_same_file_twice_changes_nothing(
    run: Run, client: TestClient, admin: Headers, places_only: None, tmp_path: Path
) -> None:
    first = run("import", staff_csv(tmp_path, hr_csv(numbered())), "--sync")
    assert first.exit_code == 0, first.output
    assert "units: 4 created, 0 updated, 0 unchanged, 0 withdrawn" in first.stdout
    assert "contacts: 6 created, 0 updated, 0 unchanged, 0 withdrawn" in first.stdout
    contacts = {
        c["externalId"]: c
        for c in client.get(f"{API}/contacts?pageSize=100", headers=admin).json()["items"]
    }
    bram, chantal = contacts["HR-2"], contacts["HR-3"]

    rows = numbered()
    rows[2] = {**rows[2], "jobTitle": "Wijkregisseur"}
    del rows[3]  # Chantal left
    changed = staff_csv(tmp_path, hr_csv(rows), "changed.csv")
    dry = run("import", changed, "--sync", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "Would sync" in dry.stdout
    assert "contacts: 0 created, 1 updated, 4 unchanged, 1 withdrawn" in dry.stdout
    assert f"updated contact {bram['id']} (HR-2): jobTitle" in dry.stdout
    assert f"withdrawn contact {chantal['id']} (HR-3)" in dry.stdout
    assert "Nothing was stored (--dry-run)." in dry.stdout
    stored = client.get(f"{API}/contacts/{bram['id']}", headers=admin).json()
    assert stored == bram

    done = run("import", changed, "--sync")
    assert done.exit_code == 0, done.output
    assert "Synced" in done.stdout and "1 updated" in done.stdout
    assert client.get(f"{API}/contacts/{bram['id']}", headers=admin).json()["jobTitle"] == (
        "Wijkregisseur"
    )
    withdrawn = client.get(f"{API}/contacts/{chantal['id']}", headers=admin).json()
    assert withdrawn["withdrawnAt"] is not None and withdrawn["available"] is False

    again = run("import", changed, "--sync")
    assert "contacts: 0 created, 0 updated, 5 unchanged, 0 withdrawn" in again.stdout
    assert "units: 0 created, 0 updated, 4 unchanged, 0 withdrawn" in again.stdout


def test_sync_clears_a_phone_the_hr_export_left_empty(
    run: Run, client: TestClient, admin: Headers, places_only: None, tmp_path: Path
) -> None:
    assert run("import", staff_csv(tmp_path, hr_csv(numbered())), "--sync").exit_code == 0
    rows = numbered()
    rows[1] = {**rows[1], "phone": ""}  # Annelies's number is gone from HR
    result = run("import", staff_csv(tmp_path, hr_csv(rows), "b.csv"), "--sync", "--json")
    assert result.exit_code == 0, result.output
    [updated] = json.loads(result.stdout)["changes"]["contacts"]["updated"]
    assert (updated["externalId"], updated["fields"]) == ("HR-1", ["phone"])
    assert client.get(f"{API}/contacts/{updated['id']}", headers=admin).json()["phone"] is None


def test_an_exported_csv_synced_back_changes_nothing(
    run: Run, places_only: None, tmp_path: Path
) -> None:
    assert run("import", staff_csv(tmp_path, hr_csv(numbered())), "--sync").exit_code == 0
    exported = tmp_path / "export.csv"
    assert run("export", "-m", "GM0363", "-o", exported).exit_code == 0
    assert "externalId" in exported.read_text(encoding="utf-8").splitlines()[0]
    result = run("import", exported, "--sync", "--json")
    assert result.exit_code == 0, result.output
    changes = json.loads(result.stdout)["changes"]
    assert changes["contacts"]["counts"] == {
        "created": 0,
        "updated": 0,
        "unchanged": 6,
        "withdrawn": 0,
    }
    assert changes["units"]["counts"]["unchanged"] == 4


def test_a_sync_problem_is_named_by_row(
    run: Run, engine: Engine, places_only: None, tmp_path: Path
) -> None:
    assert run("import", staff_csv(tmp_path, hr_csv(numbered())), "--sync").exit_code == 0
    before = counts(engine)
    rows = numbered()
    del rows[4]["externalId"]  # Dirk without his number, twice: both rows are the stored Dirk
    rows.append({**rows[4], "contactKey": "D2"})
    result = run("import", staff_csv(tmp_path, hr_csv(rows), "twice.csv"), "--sync")
    assert result.exit_code == 1
    assert "row 9: Is the same stored contact" in result.stderr
    assert "as row 6." in result.stderr
    rows = numbered()
    rows.append({**rows[4], "contactKey": "D2", "email": "d2@amsterdam.example"})
    result = run("import", staff_csv(tmp_path, hr_csv(rows), "number.csv"), "--sync")
    assert result.exit_code == 1
    assert "row 9, column externalId: Duplicate externalId HR-4" in result.stderr
    assert "(also row 6)" in result.stderr
    assert counts(engine) == before


def test_a_sync_withdrawing_most_people_needs_saying_so(
    run: Run, engine: Engine, places_only: None, tmp_path: Path
) -> None:
    rows = [
        {"unitKey": "t", "unitName": "Team", "unitKind": "team", "externalId": f"HR-{i}",
         "name": f"Collega {i}", "jobTitle": "Adviseur", "email": f"c{i}@amsterdam.example"}
        for i in range(13)
    ]  # fmt: skip
    assert run("import", staff_csv(tmp_path, hr_csv(rows)), "--sync").exit_code == 0
    truncated = staff_csv(tmp_path, hr_csv(rows[:1]), "truncated.csv")
    before = counts(engine)
    refused = run("import", truncated, "--sync")
    assert refused.exit_code == 1
    assert "withdraw 12 of the 13 people of GM0363" in refused.stderr
    assert "--allow-mass-withdrawal" in refused.stderr
    assert counts(engine) == before
    done = run("import", truncated, "--sync", "--allow-mass-withdrawal")
    assert done.exit_code == 0, done.output
    assert "contacts: 0 created, 0 updated, 1 unchanged, 12 withdrawn" in done.stdout


# --- mail ------------------------------------------------------------------------------------


def test_mail_digest_sends_each_municipalitys_brokers_the_broken_connections(
    run: Run,
    client: TestClient,
    admin: Headers,
    engine: Engine,
    municipality,
    monkeypatch: pytest.MonkeyPatch,
    smtp,
    send_mail,
) -> None:
    from datetime import timedelta

    from sqlmodel import Session

    from schemas import Introduction
    from schemas.columns import utc_now
    from tests.helpers import initiative_body

    brokers = ["makelaar@amsterdam.example", "team@amsterdam.example"]
    # A stalled request (unanswered for three weeks) and an initiative nobody covers.
    plan = client.post(
        f"{API}/initiatives",
        json=initiative_body(title="Buurtmoestuin", themes=["wonen"], areaCodes=["SD0363T"]),
        headers=admin,
    ).json()
    gap = initiative_body(title="Hengelclub De Snoek", description="Een vijver om te vissen.")
    client.post(f"{API}/initiatives", json=gap, headers=admin)
    asked = client.post(
        f"{API}/introductions",
        json={"initiativeId": plan["id"], "contactId": municipality.contacts["annelies"]},
        headers=admin,
    ).json()
    with Session(engine) as session:
        row = session.get(Introduction, asked["id"])
        row.created_at = utc_now() - timedelta(days=21)
        session.add(row)
        session.commit()
    send_mail()

    monkeypatch.delenv("WEGWIJS_BROKER_EMAILS", raising=False)
    monkeypatch.setenv("WEGWIJS_PUBLIC_URL", "https://wegwijs.test")
    refused = run("mail", "digest")
    assert refused.exit_code == 1 and "WEGWIJS_BROKER_EMAILS" in refused.stderr
    monkeypatch.setenv("WEGWIJS_BROKER_EMAILS", f"GM0363={','.join(brokers)};GM0599=r@r.example")
    assert run("mail", "digest", "-m", "GM0014").exit_code == 1
    done = run("mail", "digest")
    assert done.exit_code == 0, done.stderr
    assert json.loads(done.stdout) == {"digests": {"GM0363": 2, "GM0599": 0}}
    assert "No municipality GM0599" in done.stderr
    assert send_mail() == 2
    for broker in brokers:
        (digest,) = smtp.sink.to(broker)
        assert digest.subject == "Wegwijs: overzicht van de week – Amsterdam"
        words = digest.words
        assert "Kennismakingen die vastlopen (1)" in words
        assert "‘Buurtmoestuin’ bij Afdeling Wonen: wacht al 21 dagen op antwoord" in words
        assert "‘Hengelclub De Snoek’" in words
        assert "https://wegwijs.test/api/v1/insights/gaps?municipalityCode=GM0363" in words
        # Brokers' own report: no initiator's details.
        assert "initiatiefnemer@example.org" not in digest.text


def test_mail_reminders_and_send_from_the_command_line(
    run: Run,
    client: TestClient,
    initiator: Headers,
    engine: Engine,
    municipality,
    monkeypatch: pytest.MonkeyPatch,
    smtp,
) -> None:
    from datetime import timedelta

    from sqlmodel import Session

    from schemas import Introduction
    from schemas.columns import utc_now
    from tests.helpers import initiative_body

    plan = client.post(f"{API}/initiatives", json=initiative_body(), headers=initiator).json()
    asked = client.post(
        f"{API}/introductions",
        json={"initiativeId": plan["id"], "contactId": municipality.contacts["annelies"]},
        headers=initiator,
    ).json()
    with Session(engine) as session:
        row = session.get(Introduction, asked["id"])
        row.created_at = utc_now() - timedelta(days=8)
        session.add(row)
        session.commit()
    monkeypatch.setenv("WEGWIJS_PUBLIC_URL", "https://wegwijs.test")
    first = run("mail", "reminders")
    assert first.exit_code == 0, first.stderr
    assert json.loads(first.stdout) == {"reminders": 1}
    assert json.loads(run("mail", "reminders").stdout) == {"reminders": 0}  # once
    monkeypatch.setenv("WEGWIJS_SMTP_URL", smtp.url)
    sent = run("mail", "send")
    assert sent.exit_code == 0, sent.stderr
    assert json.loads(sent.stdout) == {"attempted": 2}
    subjects = sorted(m.subject.split(" – ")[0] for m in smtp.sink.received)
    assert subjects == ["Herinnering: verzoek om kennismaking", "Verzoek om kennismaking"]
