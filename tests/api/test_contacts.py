"""Contacts (civil servants): CRUD, filters, reference checks and the ``knows`` links."""

import pytest
from fastapi.testclient import TestClient

from tests.helpers import (
    API,
    assert_problem,
    contact_body,
    contact_record,
    municipality_body,
    unit_body,
)

Headers = dict[str, str]


def test_crud_round_trip(client: TestClient, broker: Headers, municipality) -> None:
    unit = municipality.units["gebied-zo"]
    colleagues = [municipality.contacts["bram"], municipality.contacts["fatima"]]
    body = contact_body(
        unit,
        phone="+31 20 555 0142",
        themes=["groen", "participatie"],
        areaCodes=["WK0363TA"],
        expertise="Groene schoolpleinen.",
        languages=["nl", "en"],
        networks=[{"name": "IVN Natuureducatie", "kind": "education", "note": "Via schoolpleinen"}],
        knows=colleagues,
        openToInitiatives=True,
        capacityPerMonth=6,
        available=False,
        publicProfile=True,
    )
    created = client.post(f"{API}/contacts", json=body, headers=broker)
    assert created.status_code == 201, created.text
    contact = created.json()
    assert created.headers["Location"] == f"{API}/contacts/{contact['id']}"
    for key, value in body.items():
        assert contact[key] == value, key
    assert contact["municipalityCode"] == "GM0363"  # taken from the unit
    assert contact["createdAt"] and contact["updatedAt"]
    assert client.get(created.headers["Location"], headers=broker).json() == contact

    listing = client.get(f"{API}/contacts", headers=broker).json()
    assert listing["total"] == 7
    assert listing["items"][-1]["id"] == contact["id"]

    patched = client.patch(
        created.headers["Location"],
        json={"jobTitle": "Senior gebiedsadviseur", "phone": None, "capacityPerMonth": 0},
        headers=broker,
    )
    assert patched.status_code == 200, patched.text
    changed = patched.json()
    assert changed["jobTitle"] == "Senior gebiedsadviseur"
    assert changed["phone"] is None
    assert changed["capacityPerMonth"] == 0
    for key in ("name", "email", "themes", "networks", "knows", "consentAt", "createdAt"):
        assert changed[key] == contact[key], key
    assert changed["updatedAt"] >= contact["updatedAt"]

    assert client.delete(created.headers["Location"], headers=broker).status_code == 204
    assert_problem(client.get(created.headers["Location"], headers=broker), 404)
    assert client.get(f"{API}/contacts", headers=broker).json()["total"] == 6


def test_minimal_contact_gets_defaults(client: TestClient, broker: Headers, municipality) -> None:
    body = {
        "unitId": municipality.units["ruimte"],
        "name": "Kees Kok",
        "jobTitle": "Beleidsmedewerker",
        "email": "k.kok@amsterdam.example",
    }
    contact = client.post(f"{API}/contacts", json=body, headers=broker).json()
    assert contact["consentAt"] is None
    assert contact["publicProfile"] is False
    assert contact["languages"] == ["nl"]
    assert contact["knows"] == [] and contact["networks"] == []
    assert contact["openToInitiatives"] is True and contact["available"] is True
    assert contact["capacityPerMonth"] == 4


def test_imported_knows_are_ids(client: TestClient, broker: Headers, municipality) -> None:
    bram = client.get(f"{API}/contacts/{municipality.contacts['bram']}", headers=broker).json()
    assert bram["knows"] == [municipality.contacts["annelies"], municipality.contacts["fatima"]]


def test_deleting_a_contact_removes_it_from_colleagues_knows(
    client: TestClient, broker: Headers, municipality
) -> None:
    fatima = municipality.contacts["fatima"]
    assert client.delete(f"{API}/contacts/{fatima}", headers=broker).status_code == 204
    bram = client.get(f"{API}/contacts/{municipality.contacts['bram']}", headers=broker).json()
    assert bram["knows"] == [municipality.contacts["annelies"]]


@pytest.mark.parametrize(
    ("params", "keys"),
    [
        ({"municipalityCode": "GM0363"}, ["annelies", "bram", "chantal", "dirk", "eva", "fatima"]),
        ({"municipalityCode": "GM0599"}, ["rotterdammer"]),
        ({"unitId": "gebied-zo"}, ["bram", "fatima"]),
        ({"theme": "wonen"}, ["annelies", "dirk"]),
        ({"theme": "energie"}, ["annelies", "eva"]),
        ({"theme": "won"}, []),  # a theme matches whole, not in part
        ({"areaCode": "SD0363N"}, ["eva"]),
        ({"areaCode": "BU0363TA01"}, ["bram"]),
        ({"q": "coöperaties"}, ["annelies", "eva"]),  # expertise
        ({"q": "GEBIEDSMAKELAAR"}, ["bram"]),  # job title, any case
        ({"q": "Mulder"}, ["eva"]),  # name
        ({"q": "%"}, []),  # LIKE wildcards are literal
        ({"q": "_"}, []),
        ({"theme": "wonen", "unitId": "wonen", "municipalityCode": "GM0363"}, ["annelies", "dirk"]),
        ({"theme": "energie", "areaCode": "SD0363T"}, ["annelies"]),
    ],
)
def test_filters(
    client: TestClient, admin: Headers, broker: Headers, municipality, params: dict, keys: list
) -> None:
    client.post(f"{API}/municipalities", json=municipality_body(), headers=admin)
    unit = client.post(f"{API}/units", json=unit_body("GM0599"), headers=broker).json()
    other = client.post(
        f"{API}/contacts",
        json=contact_body(unit["id"], themes=["haven"], name="Rotterdammer"),
        headers=broker,
    ).json()
    ids = {**municipality.contacts, "rotterdammer": other["id"]}
    if "unitId" in params:
        params = {**params, "unitId": municipality.units[params["unitId"]]}
    body = client.get(f"{API}/contacts", params=params, headers=broker).json()
    assert [c["id"] for c in body["items"]] == sorted(ids[key] for key in keys)
    assert body["total"] == len(keys)


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"unitId": 0}, "unitId"),
        ({"unitId": 2**70}, "unitId"),
        ({"municipalityCode": "Amsterdam"}, "municipalityCode"),
        ({"areaCode": "zuid oost"}, "areaCode"),
        ({"theme": ""}, "theme"),
        ({"q": "x" * 201}, "q"),
        ({"q": "\x00"}, "q"),
    ],
)
def test_bad_filters_are_400(client: TestClient, broker: Headers, params: dict, name: str) -> None:
    assert_problem(client.get(f"{API}/contacts", params=params, headers=broker), 400, names=[name])


def test_unknown_unit_is_400(client: TestClient, broker: Headers, municipality) -> None:
    response = client.post(f"{API}/contacts", json=contact_body(99999), headers=broker)
    assert_problem(response, 400, names=["unitId"])
    annelies = municipality.contacts["annelies"]
    patch = client.patch(f"{API}/contacts/{annelies}", json={"unitId": 99999}, headers=broker)
    assert_problem(patch, 400, names=["unitId"])


def test_unknown_knows_and_area_codes_are_400_each_named(
    client: TestClient, broker: Headers, municipality
) -> None:
    bram = municipality.contacts["bram"]
    body = contact_body(
        municipality.units["wonen"], knows=[bram, 99999], areaCodes=["SD0363T", "ZZ", "ZZ"]
    )
    response = client.post(f"{API}/contacts", json=body, headers=broker)
    assert_problem(response, 400, names=["areaCodes[1]", "areaCodes[2]", "knows[1]"])
    annelies = municipality.contacts["annelies"]
    # Indexes point into the list as sent, duplicates included.
    patch = client.patch(
        f"{API}/contacts/{annelies}",
        json={"knows": [bram, bram, annelies, 99999], "areaCodes": ["SD0363T", "SD0363T", "ZZ"]},
        headers=broker,
    )
    assert_problem(patch, 400, names=["knows[2]", "knows[3]", "areaCodes[2]"])
    assert client.get(f"{API}/contacts", headers=broker).json()["total"] == 6
    record = client.get(f"{API}/contacts/{annelies}", headers=broker).json()
    assert record["knows"] == [bram]


def test_duplicates_in_lists_are_dropped(client: TestClient, broker: Headers, municipality) -> None:
    bram = municipality.contacts["bram"]
    annelies = municipality.contacts["annelies"]
    response = client.patch(
        f"{API}/contacts/{annelies}",
        json={"knows": [bram, bram], "themes": ["wonen", "wonen", "zorg"]},
        headers=broker,
    )
    assert response.status_code == 200, response.text
    assert response.json()["knows"] == [bram]
    assert response.json()["themes"] == ["wonen", "zorg"]


def test_moving_to_another_municipality_rechecks_areas(
    client: TestClient, admin: Headers, broker: Headers, municipality
) -> None:
    client.post(f"{API}/municipalities", json=municipality_body(), headers=admin)
    unit = client.post(f"{API}/units", json=unit_body("GM0599"), headers=broker).json()
    eva = municipality.contacts["eva"]  # works in SD0363N, an Amsterdam area
    moved = client.patch(f"{API}/contacts/{eva}", json={"unitId": unit["id"]}, headers=broker)
    assert_problem(moved, 400, names=["areaCodes[0]"])
    moved = client.patch(
        f"{API}/contacts/{eva}", json={"unitId": unit["id"], "areaCodes": []}, headers=broker
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["municipalityCode"] == "GM0599"
    rotterdam = client.get(f"{API}/contacts?municipalityCode=GM0599", headers=broker).json()
    assert [c["id"] for c in rotterdam["items"]] == [eva]


def test_invalid_fields_are_all_listed(client: TestClient, broker: Headers, municipality) -> None:
    body = contact_body(
        municipality.units["wonen"],
        email="nobody",
        phone="call me",
        capacityPerMonth=-1,
        languages=["Dutch"],
        networks=[{"name": "Ymere", "kind": "landlord"}, {"kind": "fund"}],
        consentAt="yesterday",
    )
    response = client.post(f"{API}/contacts", json=body, headers=broker)
    assert_problem(
        response,
        400,
        names=[
            "email",
            "phone",
            "capacityPerMonth",
            "languages[0]",
            "networks[0].kind",
            "networks[1].name",
            "consentAt",
        ],
    )


def test_null_for_a_required_field_is_400(
    client: TestClient, broker: Headers, municipality
) -> None:
    annelies = municipality.contacts["annelies"]
    response = client.patch(
        f"{API}/contacts/{annelies}",
        json={"email": None, "available": None, "knows": None},
        headers=broker,
    )
    assert_problem(response, 400, names=["email", "available", "knows"])
    record = client.get(f"{API}/contacts/{annelies}", headers=broker).json()
    assert record["email"] == contact_record("annelies")["email"]


def test_consent_can_be_withdrawn(client: TestClient, broker: Headers, municipality) -> None:
    annelies = municipality.contacts["annelies"]
    response = client.patch(f"{API}/contacts/{annelies}", json={"consentAt": None}, headers=broker)
    assert response.status_code == 200
    assert response.json()["consentAt"] is None


def test_unknown_contact_is_404(client: TestClient, broker: Headers) -> None:
    assert_problem(client.get(f"{API}/contacts/4242", headers=broker), 404)
    assert_problem(client.patch(f"{API}/contacts/4242", json={}, headers=broker), 404)
    assert_problem(client.delete(f"{API}/contacts/4242", headers=broker), 404)
