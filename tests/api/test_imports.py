"""The directory import: keys mapped to ids, all or nothing, every bad record named."""

from fastapi.testclient import TestClient

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
    assert response.json() == {"municipalities": 0, "areas": 0, "units": {}, "contacts": {}}


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
    totals = _totals(client, admin)
    assert totals == {"municipalities": 1, "areas": 5, "units": 5, "contacts": 6}
    unit = client.get(f"{API}/units/{response.json()['units']['nieuw']}").json()
    assert unit["areaCodes"] == ["BU0363TA01", "SD0363W"]


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
