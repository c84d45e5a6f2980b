"""The synthetic directory generator (bench/generate.py): deterministic and valid (that its
documents import through the API: tests/api/test_generated_directory.py)."""

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from bench.generate import contact_batches, generate, main
from matching import default_vocabulary
from schemas import ImportDocument
from schemas.initiative import InitiativeCreate

Headers = dict[str, str]
DIRECTORY_KEYS = ("municipalities", "areas", "units", "contacts")


@pytest.fixture(scope="module")
def document() -> dict:
    """About 2,000 contacts in two municipalities (generated once for the module)."""
    return generate(contacts=2000, municipalities=2, seed=7, initiatives=12)


def _import_document(document: dict) -> dict:
    return {key: document[key] for key in DIRECTORY_KEYS}


def test_the_same_seed_gives_the_same_document() -> None:
    first = generate(contacts=300, municipalities=2, seed=11)
    assert json.dumps(first) == json.dumps(generate(contacts=300, municipalities=2, seed=11))
    other = generate(contacts=300, municipalities=2, seed=12)
    assert json.dumps(first) != json.dumps(other)
    assert [c["name"] for c in first["contacts"]] != [c["name"] for c in other["contacts"]]


def test_counts_and_spread() -> None:
    single = generate(contacts=500, initiatives=5)
    assert len(single["municipalities"]) == 1 and len(single["contacts"]) == 500
    assert {u["municipalityCode"] for u in single["units"]} == {single["municipalities"][0]["code"]}
    assert len(single["initiatives"]) == 5
    several = generate(contacts=3000, municipalities=4, initiatives=20)
    codes = [m["code"] for m in several["municipalities"]]
    assert len(set(codes)) == 4 and all(re.fullmatch(r"GM\d{4}", c) for c in codes)
    unit_town = {u["key"]: u["municipalityCode"] for u in several["units"]}
    per_town = Counter(unit_town[c["unitKey"]] for c in several["contacts"])
    assert sum(per_town.values()) == 3000 and set(per_town) == set(codes)
    assert len({i["municipalityCode"] for i in several["initiatives"]}) > 1
    empty = generate(contacts=0, initiatives=0)
    assert empty["contacts"] == [] and empty["units"] and empty["areas"]


def test_the_document_is_valid_and_realistic(document: dict) -> None:
    parsed = ImportDocument.model_validate(_import_document(document))
    assert len(parsed.contacts) == 2000 and len(parsed.municipalities) == 2
    contacts, units, areas = document["contacts"], document["units"], document["areas"]
    # Unique keys, codes and emails across the whole document.
    for records, field in (
        (contacts, "key"),
        (contacts, "email"),
        (contacts, "externalId"),
        (units, "key"),
        (units, "externalId"),
        (areas, "code"),
    ):
        values = [r[field] for r in records]
        assert len(values) == len(set(values)), field
    # The area hierarchy: stadsdelen > wijken > buurten, within one municipality.
    by_code = {a["code"]: a for a in areas}
    for area in areas:
        parent = by_code.get(area["parentCode"]) if area["parentCode"] else None
        prefix = {None: "SD", "SD": "WK", "WK": "BU"}[parent["code"][:2] if parent else None]
        assert area["code"].startswith(prefix)
        assert area["kind"] == {"SD": "stadsdeel", "WK": "wijk", "BU": "buurt"}[prefix]
        if parent:
            assert parent["municipalityCode"] == area["municipalityCode"]
    kinds = Counter(u["kind"] for u in units)
    assert {"cluster", "department", "team", "district", "area_team", "programme"} <= set(kinds)
    assert kinds["area_team"] == sum(1 for a in areas if a["code"].startswith("WK"))
    # Staff in units of 15 to 30, a few smaller ones (management) aside.
    sizes = Counter(c["unitKey"] for c in contacts)
    assert 15 <= sum(sizes.values()) / len(sizes) <= 30
    # Themes from the vocabulary; area teams staff their wijk, districts their stadsdeel.
    vocabulary = set(default_vocabulary().themes)
    unit_by_key = {u["key"]: u for u in units}
    for contact in contacts:
        assert set(contact["themes"]) <= vocabulary
        unit = unit_by_key[contact["unitKey"]]
        expected = {"area_team": "WK", "district": "SD"}.get(unit["kind"])
        if expected:
            assert [c[:2] for c in contact["areaCodes"]] == [expected]
            assert contact["areaCodes"] == unit["areaCodes"]
        else:
            assert contact["areaCodes"] == []
        assert 1 <= contact["capacityPerMonth"] <= 8
        assert len(contact["networks"]) <= 4 and len(contact["knows"]) <= 6
    assert len({c["jobTitle"] for c in contacts}) > 100
    share = lambda test: sum(1 for c in contacts if test(c)) / len(contacts)  # noqa: E731
    assert 0.85 <= share(lambda c: c["consentAt"] is not None) <= 0.95
    assert 0.85 <= share(lambda c: c["available"]) <= 0.97
    assert 0.6 <= share(lambda c: c["openToInitiatives"]) <= 0.85
    assert 0.4 <= share(lambda c: c["publicProfile"]) <= 0.6
    assert {n["kind"] for c in contacts for n in c["networks"]} >= {
        "housing",
        "education",
        "care_welfare",
        "fund",
        "community",
    }


def test_knows_stay_within_the_unit(document: dict) -> None:
    unit_of = {c["key"]: c["unitKey"] for c in document["contacts"]}
    known = 0
    for contact in document["contacts"]:
        assert contact["key"] not in contact["knows"]
        assert len(set(contact["knows"])) == len(contact["knows"])
        assert all(unit_of[k] == contact["unitKey"] for k in contact["knows"])
        known += len(contact["knows"])
    assert known > len(document["contacts"])  # not an empty network


def test_initiatives_are_valid_bodies(document: dict) -> None:
    areas = {a["code"]: a["municipalityCode"] for a in document["areas"]}
    assert len(document["initiatives"]) == 12
    for body in document["initiatives"]:
        initiative = InitiativeCreate.model_validate(body)
        assert all(areas[code] == initiative.municipality_code for code in initiative.area_codes)
        assert initiative.needs and initiative.initiator.email


def test_batches_hold_whole_units_and_every_contact_once(document: dict) -> None:
    unit_ids = {u["key"]: n for n, u in enumerate(document["units"], start=1)}
    batches = list(contact_batches(document, unit_ids=unit_ids, size=300))
    assert len(batches) > 5
    seen: list[str] = []
    unit_batch: dict[int, int] = {}
    for number, batch in enumerate(batches):
        assert set(batch) == {"contacts"}
        keys = {c["key"] for c in batch["contacts"]}
        units = Counter(c["unitId"] for c in batch["contacts"])
        assert len(batch["contacts"]) <= 300 or len(units) == 1
        for contact in batch["contacts"]:
            assert "unitKey" not in contact
            assert unit_batch.setdefault(contact["unitId"], number) == number  # never split
            assert set(contact["knows"]) <= keys
            seen.append(contact["key"])
    assert sorted(seen) == sorted(c["key"] for c in document["contacts"])
    assert len(seen) == len(set(seen))
    # The original document is left as it was.
    assert all("unitKey" in c and "unitId" not in c for c in document["contacts"])
    # A unit larger than the batch size is a batch of its own.
    tiny = list(contact_batches(document, unit_ids=unit_ids, size=1))
    assert len(tiny) == len({c["unitKey"] for c in document["contacts"]})


def test_the_command_line_writes_an_importable_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, initiatives = tmp_path / "directory.json", tmp_path / "initiatives.json"
    main(
        [
            "--contacts",
            "150",
            "--municipalities",
            "2",
            "--seed",
            "3",
            "--initiatives",
            "4",
            "--out",
            str(out),
            "--initiatives-out",
            str(initiatives),
        ]
    )
    written = json.loads(out.read_text(encoding="utf-8"))
    assert set(written) == set(DIRECTORY_KEYS)  # no initiatives: the import forbids them
    ImportDocument.model_validate(written)
    assert len(json.loads(initiatives.read_text(encoding="utf-8"))) == 4
    expected = generate(contacts=150, municipalities=2, seed=3, initiatives=4)
    assert written == _import_document(expected)
    printed = capsys.readouterr().out
    assert "150 contacts" in printed and "4 initiatives" in printed
