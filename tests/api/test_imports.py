"""The directory import: keys mapped to ids, all or nothing, every bad record named."""

import json

import pytest
from fastapi.testclient import TestClient

from api.core.settings import Settings
from tests.helpers import API, assert_problem, contact_record, directory

Headers = dict[str, str]
COLLECTIONS = ("municipalities", "areas", "units", "contacts")


def _totals(client: TestClient, admin: Headers) -> dict[str, int]:
    return {
        name: client.get(f"{API}/{name}", headers=admin).json()["total"] for name in COLLECTIONS
    }


def test_import_maps_keys_to_ids(client: TestClient, admin: Headers) -> None:
    document = directory()
    response = client.post(f"{API}/imports", json=document, headers=admin)
    assert response.status_code == 201, response.text
    result = response.json()
    assert result["municipalities"] == 1
    assert result["areas"] == 4
    assert set(result["units"]) == {u["key"] for u in document["units"]}
    assert set(result["contacts"]) == {c["key"] for c in document["contacts"]}
    assert len(set(result["units"].values())) == 4
    assert _totals(client, admin) == {"municipalities": 1, "areas": 4, "units": 4, "contacts": 6}

    # Every unit landed under its id, with parentKey turned into parentId.
    for unit in document["units"]:
        stored = client.get(f"{API}/units/{result['units'][unit['key']]}").json()
        assert stored["name"] == unit["name"]
        parent = unit.get("parentKey")
        assert stored["parentId"] == (result["units"][parent] if parent else None)

    # Contacts: in their unit, knows stored as the colleagues' ids, details kept.
    for contact in document["contacts"]:
        stored = client.get(f"{API}/contacts/{result['contacts'][contact['key']]}", headers=admin)
        stored = stored.json()
        assert stored["unitId"] == result["units"][contact["unitKey"]]
        assert stored["knows"] == [result["contacts"][k] for k in contact.get("knows", [])]
        assert stored["municipalityCode"] == "GM0363"
        assert stored["email"] == contact["email"]
        assert stored["phone"] == contact.get("phone")
        assert stored["publicProfile"] == contact["publicProfile"]
        assert (stored["consentAt"] is None) == ("consentAt" not in contact)


def test_an_empty_document_stores_nothing(client: TestClient, admin: Headers) -> None:
    response = client.post(f"{API}/imports", json={}, headers=admin)
    assert response.status_code == 201
    nothing = {
        "counts": {"created": 0, "updated": 0, "unchanged": 0, "withdrawn": 0},
        "created": [],
        "updated": [],
        "unchanged": [],
        "withdrawn": [],
    }
    assert response.json() == {
        "mode": "add",
        "dryRun": False,
        "municipalities": 0,
        "areas": 0,
        "units": {},
        "contacts": {},
        "changes": {"units": nothing, "contacts": nothing},
    }


def test_bad_records_are_all_named_and_nothing_is_stored(
    client: TestClient, admin: Headers
) -> None:
    document = directory()
    unit = {"municipalityCode": "GM0363", "kind": "team"}
    document["units"] += [
        {**unit, "key": "wonen", "name": "Tweede Wonen"},  # units[4]: duplicate key
        {**unit, "key": "los", "name": "Los", "parentKey": "bestaat-niet"},  # units[5]
        {**unit, "key": "kip", "name": "Kip", "parentKey": "ei"},  # units[6]: loop
        {**unit, "key": "ei", "name": "Ei", "parentKey": "kip"},  # units[7]: loop
        {**unit, "key": "ver", "name": "Ver", "areaCodes": ["SD0363T", "NERGENS"]},  # units[8]
    ]
    person = {"jobTitle": "Adviseur", "email": "x@amsterdam.example"}
    document["contacts"] += [
        {**person, "key": "bram", "unitKey": "ruimte", "name": "Tweede Bram"},  # [6] duplicate
        {**person, "key": "gijs", "unitKey": "geen-unit", "name": "Gijs"},  # [7] unknown unit
        {**person, "key": "hans", "unitKey": "ruimte", "name": "Hans", "knows": ["eva", "spook"]},
        {**person, "key": "iris", "unitKey": "ruimte", "name": "Iris", "areaCodes": ["NERGENS"]},
    ]
    document["areas"].append(
        {"code": "BU0363X", "name": "X", "municipalityCode": "GM0363", "parentCode": "GEEN"}
    )
    response = client.post(f"{API}/imports", json=document, headers=admin)
    body = assert_problem(
        response,
        400,
        names=[
            "areas[4].parentCode",
            "units[4].key",
            "units[5].parentKey",
            "units[6].parentKey",
            "units[7].parentKey",
            "units[8].areaCodes[1]",
            "contacts[6].key",
            "contacts[7].unitKey",
            "contacts[8].knows[1]",
            "contacts[9].areaCodes[0]",
        ],
    )
    assert "nothing was stored" in body["detail"]
    assert _totals(client, admin) == dict.fromkeys(COLLECTIONS, 0)


def test_one_bad_record_stores_nothing(client: TestClient, admin: Headers) -> None:
    document = directory()
    document["contacts"][5]["knows"] = ["niemand"]
    response = client.post(f"{API}/imports", json=document, headers=admin)
    assert_problem(response, 400, names=["contacts[5].knows[0]"])
    assert _totals(client, admin) == dict.fromkeys(COLLECTIONS, 0)


def test_schema_errors_name_json_paths(client: TestClient, admin: Headers) -> None:
    document = directory()
    del document["contacts"][1]["unitKey"]
    document["contacts"][0]["networks"][0]["kind"] = "landlord"
    document["units"][2]["kind"] = "ministry"
    document["areas"][0]["colour"] = "red"
    response = client.post(f"{API}/imports", json=document, headers=admin)
    assert_problem(
        response,
        400,
        names=[
            "contacts[1].unitKey",
            "contacts[0].networks[0].kind",
            "units[2].kind",
            "areas[0].colour",
        ],
    )
    assert _totals(client, admin) == dict.fromkeys(COLLECTIONS, 0)


def test_loops_and_self_references(client: TestClient, admin: Headers) -> None:
    document = directory()
    document["areas"][0]["parentCode"] = "BU0363TA01"  # stadsdeel under its own buurt
    document["units"][0]["parentKey"] = "sociaal"  # its own parent
    document["contacts"][2]["knows"] = ["chantal"]  # knows themself
    response = client.post(f"{API}/imports", json=document, headers=admin)
    assert_problem(
        response,
        400,
        names=[
            "areas[0].parentCode",
            "areas[2].parentCode",
            "areas[3].parentCode",
            "units[0].parentKey",
            "contacts[2].knows[0]",
        ],
    )
    assert _totals(client, admin) == dict.fromkeys(COLLECTIONS, 0)


def test_references_must_stay_within_one_municipality(client: TestClient, admin: Headers) -> None:
    document = directory()
    document["municipalities"].append({"code": "GM0599", "name": "Rotterdam"})
    document["units"].append(
        {
            "key": "haven",
            "municipalityCode": "GM0599",
            "name": "Havenbedrijf",
            "kind": "department",
            "parentKey": "sociaal",  # an Amsterdam unit
            "areaCodes": ["SD0363T"],  # an Amsterdam area
        }
    )
    document["units"].append(
        {"key": "nergens", "municipalityCode": "GM0001", "name": "Nergens", "kind": "team"}
    )
    response = client.post(f"{API}/imports", json=document, headers=admin)
    assert_problem(
        response,
        400,
        names=["units[4].parentKey", "units[4].areaCodes[0]", "units[5].municipalityCode"],
    )
    assert _totals(client, admin) == dict.fromkeys(COLLECTIONS, 0)


def test_reimport_upserts_municipalities_and_areas(client: TestClient, admin: Headers) -> None:
    first = client.post(f"{API}/imports", json=directory(), headers=admin)
    assert first.status_code == 201
    again = {
        "municipalities": [{"code": "GM0363", "name": "Gemeente Amsterdam"}],
        "areas": [
            {
                "code": "SD0363T",
                "name": "Stadsdeel Zuidoost",
                "municipalityCode": "GM0363",
                "kind": "district",
            },
            {"code": "SD0363W", "name": "West", "municipalityCode": "GM0363", "kind": "district"},
        ],
        "units": [
            # A new unit may use areas stored by the first import.
            {
                "key": "nieuw",
                "municipalityCode": "GM0363",
                "name": "Team Nieuw-West",
                "kind": "team",
                "areaCodes": ["BU0363TA01", "SD0363W"],
            }
        ],
    }
    response = client.post(f"{API}/imports", json=again, headers=admin)
    assert response.status_code == 201, response.text
    assert client.get(f"{API}/municipalities/GM0363").json()["name"] == "Gemeente Amsterdam"
    assert client.get(f"{API}/areas/SD0363T").json()["name"] == "Stadsdeel Zuidoost"
    assert client.get(f"{API}/areas/WK0363TA").json()["parentCode"] == "SD0363T"
    assert client.get(f"{API}/areas/SD0363W").json()["kind"] == "stadsdeel"  # was "district"
    totals = _totals(client, admin)
    assert totals == {"municipalities": 1, "areas": 5, "units": 5, "contacts": 6}
    unit = client.get(f"{API}/units/{response.json()['units']['nieuw']}").json()
    assert unit["areaCodes"] == ["BU0363TA01", "SD0363W"]


def test_former_area_kinds_import_as_levels(client: TestClient, admin: Headers) -> None:
    """A directory written before the levels had names (as exports of 0.1.0 are): "district"
    is a stadsdeel, "neighbourhood" a buurt below a wijk and a wijk elsewhere, also when the
    wijk was stored by an earlier import."""

    def area(code: str, kind: str, parent: str | None = None) -> dict:
        return {"code": code, "name": code, "municipalityCode": "GM0599", "kind": kind,
                "parentCode": parent}  # fmt: skip

    first = {
        "municipalities": [{"code": "GM0599", "name": "Rotterdam"}],
        # Children before their parents: the order in the document does not matter.
        "areas": [
            area("BU0599FA01", "neighbourhood", "WK0599FA"),
            area("WK0599FA", "neighbourhood", "SD0599F"),
            area("SD0599F", "district"),
        ],
    }
    assert client.post(f"{API}/imports", json=first, headers=admin).status_code == 201
    later = {"areas": [area("BU0599FA02", "neighbourhood", "WK0599FA")]}
    assert client.post(f"{API}/imports", json=later, headers=admin).status_code == 201
    items = client.get(f"{API}/areas", params={"municipalityCode": "GM0599"}).json()["items"]
    assert {a["code"]: a["kind"] for a in items} == {
        "SD0599F": "stadsdeel",
        "WK0599FA": "wijk",
        "BU0599FA01": "buurt",
        "BU0599FA02": "buurt",
    }


def test_an_area_of_another_municipality_is_not_moved(client: TestClient, admin: Headers) -> None:
    assert client.post(f"{API}/imports", json=directory(), headers=admin).status_code == 201
    takeover = {
        "municipalities": [{"code": "GM0518", "name": "Den Haag"}],
        "areas": [{"code": "SD0363T", "name": "Escamp", "municipalityCode": "GM0518"}],
    }
    response = client.post(f"{API}/imports", json=takeover, headers=admin)
    assert_problem(response, 400, names=["areas[0].code"])
    area = client.get(f"{API}/areas/SD0363T").json()
    assert (area["municipalityCode"], area["name"]) == ("GM0363", "Zuidoost")
    assert_problem(client.get(f"{API}/municipalities/GM0518"), 404)


def test_a_large_directory_in_one_go(client: TestClient, admin: Headers) -> None:
    document = directory()
    template = contact_record("fatima")
    for n in range(1500):
        document["contacts"].append(
            {
                **template,
                "key": f"c{n}",
                "unitKey": ("wonen", "gebied-zo", "ruimte")[n % 3],
                "name": f"Medewerker {n}",
                "email": f"m{n}@amsterdam.example",
                "knows": [f"c{n - 1}"] if n else ["annelies"],
            }
        )
    response = client.post(f"{API}/imports", json=document, headers=admin)
    assert response.status_code == 201, response.text
    ids = response.json()["contacts"]
    assert len(ids) == 1506
    assert client.get(f"{API}/contacts", headers=admin).json()["total"] == 1506
    last = client.get(f"{API}/contacts/{ids['c1499']}", headers=admin).json()
    assert last["knows"] == [ids["c1498"]]
    assert last["name"] == "Medewerker 1499"


# --- contacts joining stored units (unitId) ----------------------------------------------------


def _new_contact(key: str, **fields: object) -> dict:
    return {
        "key": key,
        "name": fields.pop("name", f"Nieuwe collega {key}"),
        "jobTitle": fields.pop("jobTitle", "Adviseur stadslandbouw"),
        "email": fields.pop("email", f"{key}@amsterdam.example"),
        "consentAt": "2026-02-01T09:00:00Z",
        **fields,
    }


def _ask(client: TestClient, text: str) -> set[int]:
    body = {"municipalityCode": "GM0363", "text": text, "limit": 50}
    response = client.post(f"{API}/matches", json=body)
    assert response.status_code == 200, response.text
    return {item["contact"]["id"] for item in response.json()["items"]}


def test_contacts_join_stored_units_by_unit_id(client: TestClient, admin: Headers) -> None:
    first = client.post(f"{API}/imports", json=directory(), headers=admin).json()
    units, contacts = first["units"], first["contacts"]
    # Asked once before, so the matcher holds an index of the municipality already.
    before = _ask(client, "kweekbakken op het dak")
    batch = {
        "contacts": [
            _new_contact(
                "noor",
                unitId=units["gebied-zo"],
                areaCodes=["WK0363TA"],
                expertise="Helpt buren met kweekbakken op het dak.",
                knows=["sem"],
            ),
            _new_contact("sem", unitId=units["wonen"], knows=["noor"]),
        ]
    }
    response = client.post(f"{API}/imports", json=batch, headers=admin)
    assert response.status_code == 201, response.text
    result = response.json()
    assert result["units"] == {}
    ids = result["contacts"]
    assert set(ids) == {"noor", "sem"} and not set(ids.values()) & set(contacts.values())
    noor = client.get(f"{API}/contacts/{ids['noor']}", headers=admin).json()
    assert noor["unitId"] == units["gebied-zo"]
    assert noor["municipalityCode"] == "GM0363"
    assert noor["areaCodes"] == ["WK0363TA"]
    assert noor["knows"] == [ids["sem"]]
    sem = client.get(f"{API}/contacts/{ids['sem']}", headers=admin).json()
    assert (sem["unitId"], sem["knows"]) == (units["wonen"], [ids["noor"]])
    listed = client.get(f"{API}/contacts?unitId={units['gebied-zo']}", headers=admin).json()
    assert ids["noor"] in {c["id"] for c in listed["items"]}
    # The matcher sees the new colleague at once (the municipality's directory was touched).
    after = _ask(client, "kweekbakken op het dak")
    assert ids["noor"] in after and ids["noor"] not in before
    assert _totals(client, admin) == {"municipalities": 1, "areas": 4, "units": 4, "contacts": 8}


def test_unit_keys_and_unit_ids_mix_in_one_document(client: TestClient, admin: Headers) -> None:
    stored = client.post(f"{API}/imports", json=directory(), headers=admin).json()["units"]
    document = {
        "units": [{"key": "nieuw", "municipalityCode": "GM0363", "name": "Nieuw", "kind": "team"}],
        "contacts": [
            _new_contact("a", unitKey="nieuw", knows=["b"]),
            _new_contact("b", unitId=stored["ruimte"]),
        ],
    }
    response = client.post(f"{API}/imports", json=document, headers=admin)
    assert response.status_code == 201, response.text
    ids, units = response.json()["contacts"], response.json()["units"]
    a = client.get(f"{API}/contacts/{ids['a']}", headers=admin).json()
    b = client.get(f"{API}/contacts/{ids['b']}", headers=admin).json()
    assert (a["unitId"], a["knows"]) == (units["nieuw"], [ids["b"]])
    assert b["unitId"] == stored["ruimte"]


def test_an_unknown_unit_id_is_named_and_nothing_is_stored(
    client: TestClient, admin: Headers
) -> None:
    units = client.post(f"{API}/imports", json=directory(), headers=admin).json()["units"]
    batch = {
        "contacts": [
            _new_contact("x", unitId=max(units.values()) + 1000),
            _new_contact("y", unitId=units["wonen"]),
        ]
    }
    response = client.post(f"{API}/imports", json=batch, headers=admin)
    body = assert_problem(response, 400, names=["contacts[0].unitId"])
    assert "nothing was stored" in body["detail"]
    assert _totals(client, admin)["contacts"] == 6


def test_a_unit_of_another_municipality_sets_the_contacts_municipality(
    client: TestClient, admin: Headers
) -> None:
    document = directory()
    document["municipalities"].append({"code": "GM0599", "name": "Rotterdam"})
    document["areas"].append({"code": "SD0599A", "name": "Noord", "municipalityCode": "GM0599"})
    document["units"].append(
        {"key": "haven", "municipalityCode": "GM0599", "name": "Haven", "kind": "team"}
    )
    units = client.post(f"{API}/imports", json=document, headers=admin).json()["units"]
    batch = {
        "contacts": [
            # A Rotterdam unit: Amsterdam's areas and colleagues are out of reach.
            _new_contact("r1", unitId=units["haven"], areaCodes=["SD0363T"], knows=["a1"]),
            _new_contact("a1", unitId=units["wonen"], areaCodes=["SD0599A"]),
        ]
    }
    response = client.post(f"{API}/imports", json=batch, headers=admin)
    assert_problem(
        response,
        400,
        names=["contacts[0].areaCodes[0]", "contacts[0].knows[0]", "contacts[1].areaCodes[0]"],
    )
    assert _totals(client, admin)["contacts"] == 6

    # The same contacts in their own municipalities' areas go in, each in its unit's.
    batch["contacts"][0] |= {"areaCodes": ["SD0599A"], "knows": []}
    batch["contacts"][1] |= {"areaCodes": ["SD0363T"]}
    response = client.post(f"{API}/imports", json=batch, headers=admin)
    assert response.status_code == 201, response.text
    ids = response.json()["contacts"]
    r1 = client.get(f"{API}/contacts/{ids['r1']}", headers=admin).json()
    assert (r1["unitId"], r1["municipalityCode"]) == (units["haven"], "GM0599")


def test_exactly_one_of_unit_key_and_unit_id(client: TestClient, admin: Headers) -> None:
    units = client.post(f"{API}/imports", json=directory(), headers=admin).json()["units"]
    both = _new_contact("both", unitKey="wonen", unitId=units["wonen"])
    neither = _new_contact("neither")
    null = _new_contact("null", unitKey=None, unitId=None)
    for record in (both, neither, null):
        response = client.post(f"{API}/imports", json={"contacts": [record]}, headers=admin)
        body = assert_problem(response, 400, names=["contacts[0].unitKey"])
        assert "unitId" in body["invalidParams"][0]["reason"]
    # Reported with the record's other problems, not instead of them.
    response = client.post(
        f"{API}/imports",
        json={"contacts": [{**neither, "email": "geen-adres"}, both]},
        headers=admin,
    )
    assert_problem(
        response, 400, names=["contacts[0].unitKey", "contacts[0].email", "contacts[1].unitKey"]
    )
    # A unitId that is no id at all is named as such.
    response = client.post(
        f"{API}/imports", json={"contacts": [_new_contact("z", unitId=0)]}, headers=admin
    )
    assert_problem(response, 400, names=["contacts[0].unitId"])
    assert _totals(client, admin)["contacts"] == 6


# --- the body limit of imports ----------------------------------------------------------------


def test_imports_take_bodies_over_the_general_limit(client: TestClient, admin: Headers) -> None:
    """``max_import_body_bytes`` (64 MiB) applies to POST /imports only; every other body
    stays within ``max_body_bytes`` (1 MiB)."""
    mib = 1024 * 1024
    encoded = json.dumps(directory()).encode()
    padded = encoded + b" " * (mib + 1024 - len(encoded))
    json_headers = {**admin, "Content-Type": "application/json"}
    response = client.post(f"{API}/imports", content=padded, headers=json_headers)
    assert response.status_code == 201, response.text
    assert _totals(client, admin)["contacts"] == 6

    municipality = json.dumps({"code": "GM0599", "name": "Rotterdam"}).encode()
    padded = municipality + b" " * (len(padded) - len(municipality))
    response = client.post(f"{API}/municipalities", content=padded, headers=json_headers)
    assert_problem(response, 413)
    assert _totals(client, admin)["municipalities"] == 1


@pytest.mark.parametrize("caller", ["anonymous", "wrong key", "broker"])
def test_only_admins_may_send_a_large_import(
    client: TestClient, broker: Headers, caller: str
) -> None:
    """FastAPI parses a body before the key check runs: a caller who is not an admin gets the
    general limit, so nobody can make the service parse 64 MiB for a 401 or 403."""
    headers = {
        "anonymous": {},
        "wrong key": {"Authorization": "Bearer not-a-key"},
        "broker": broker,
    }[caller]
    padded = json.dumps(directory()).encode()
    padded += b" " * (1024 * 1024 + 1024 - len(padded))
    response = client.post(
        f"{API}/imports", content=padded, headers={**headers, "Content-Type": "application/json"}
    )
    assert_problem(response, 413)


def test_the_import_limit_is_a_setting_of_its_own() -> None:
    settings = Settings(database_url="sqlite://")
    assert settings.max_body_bytes == 1024 * 1024
    assert settings.max_import_body_bytes == 64 * 1024 * 1024
