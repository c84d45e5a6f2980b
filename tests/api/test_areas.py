"""Areas: CRUD by code, the stadsdeel > wijk > buurt hierarchy, filters and conflicts."""

from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from tests.helpers import (
    API,
    area_body,
    assert_problem,
    contact_body,
    initiative_body,
    municipality_body,
    unit_body,
)

Headers = dict[str, str]


def _rotterdam(client: TestClient, admin: Headers) -> None:
    response = client.post(f"{API}/municipalities", json=municipality_body(), headers=admin)
    assert response.status_code == 201


def test_crud_round_trip(client: TestClient, admin: Headers) -> None:
    _rotterdam(client, admin)
    created = client.post(
        f"{API}/areas",
        json=area_body("SD0599C", name="Centrum", kind="stadsdeel"),
        headers=admin,
    )
    assert created.status_code == 201, created.text
    assert created.headers["Location"] == f"{API}/areas/SD0599C"
    expected = {
        "code": "SD0599C",
        "name": "Centrum",
        "municipalityCode": "GM0599",
        "kind": "stadsdeel",
        "parentCode": None,
        "aliases": [],
    }
    assert created.json() == expected
    assert client.get(f"{API}/areas/SD0599C").json() == expected

    child = client.post(
        f"{API}/areas", json=area_body("WK059901", parentCode="SD0599C"), headers=admin
    )
    assert child.status_code == 201
    assert child.json()["kind"] == "other"  # the default
    assert child.json()["parentCode"] == "SD0599C"

    listing = client.get(f"{API}/areas").json()
    assert [a["code"] for a in listing["items"]] == ["SD0599C", "WK059901"]

    patched = client.patch(
        f"{API}/areas/WK059901",
        json={"name": "Oude Westen", "kind": "wijk", "aliases": ["het Oude Westen"]},
        headers=admin,
    )
    assert patched.status_code == 200
    assert patched.json() == {
        "code": "WK059901",
        "name": "Oude Westen",
        "municipalityCode": "GM0599",
        "kind": "wijk",
        "parentCode": "SD0599C",  # untouched
        "aliases": ["het Oude Westen"],
    }
    assert client.get(f"{API}/areas/WK059901").json()["aliases"] == ["het Oude Westen"]

    # parentCode may be cleared with null.
    cleared = client.patch(f"{API}/areas/WK059901", json={"parentCode": None}, headers=admin)
    assert cleared.status_code == 200
    assert cleared.json()["parentCode"] is None
    assert cleared.json()["name"] == "Oude Westen"

    assert client.delete(f"{API}/areas/WK059901", headers=admin).status_code == 204
    assert_problem(client.get(f"{API}/areas/WK059901"), 404)
    assert client.get(f"{API}/areas").json()["total"] == 1


def test_filter_by_municipality(client: TestClient, admin: Headers, municipality) -> None:
    _rotterdam(client, admin)
    client.post(f"{API}/areas", json=area_body("SD0599C"), headers=admin)
    amsterdam = client.get(f"{API}/areas", params={"municipalityCode": "GM0363"}).json()
    assert {a["code"] for a in amsterdam["items"]} == {
        "SD0363T",
        "SD0363N",
        "WK0363TA",
        "BU0363TA01",
    }
    assert amsterdam["total"] == 4
    rotterdam = client.get(f"{API}/areas", params={"municipalityCode": "GM0599"}).json()
    assert [a["code"] for a in rotterdam["items"]] == ["SD0599C"]
    assert client.get(f"{API}/areas").json()["total"] == 5
    nobody = client.get(f"{API}/areas", params={"municipalityCode": "GM0001"}).json()
    assert nobody["total"] == 0
    assert_problem(
        client.get(f"{API}/areas", params={"municipalityCode": "Amsterdam"}),
        400,
        names=["municipalityCode"],
    )


def test_hierarchy_from_the_import(client: TestClient, municipality) -> None:
    buurt = client.get(f"{API}/areas/BU0363TA01").json()
    wijk = client.get(f"{API}/areas/{buurt['parentCode']}").json()
    stadsdeel = client.get(f"{API}/areas/{wijk['parentCode']}").json()
    assert (buurt["kind"], wijk["code"], stadsdeel["code"]) == ("buurt", "WK0363TA", "SD0363T")
    assert (wijk["kind"], stadsdeel["kind"]) == ("wijk", "stadsdeel")
    assert stadsdeel["parentCode"] is None


def test_a_client_tells_the_three_levels_apart(client: TestClient, municipality) -> None:
    items = client.get(f"{API}/areas", params={"municipalityCode": "GM0363"}).json()["items"]
    assert {a["code"]: a["kind"] for a in items} == {
        "SD0363N": "stadsdeel",
        "SD0363T": "stadsdeel",
        "WK0363TA": "wijk",
        "BU0363TA01": "buurt",
    }


def test_the_former_kinds_are_read_by_the_hierarchy(client: TestClient, admin: Headers) -> None:
    """Clients written before the levels had names still work: "district" is a stadsdeel,
    "neighbourhood" a buurt within a wijk (or buurt) and a wijk anywhere else."""
    _rotterdam(client, admin)

    def create(code: str, kind: str, parent: str | None = None) -> str:
        body = area_body(code, kind=kind, parentCode=parent)
        response = client.post(f"{API}/areas", json=body, headers=admin)
        assert response.status_code == 201, response.text
        return response.json()["kind"]

    assert create("SD0599F", "district") == "stadsdeel"
    assert create("WK0599FA", "neighbourhood", "SD0599F") == "wijk"
    assert create("BU0599FA01", "neighbourhood", "WK0599FA") == "buurt"
    assert create("BU0599FA02", "neighbourhood", "BU0599FA01") == "buurt"
    assert create("WK0599XX", "neighbourhood") == "wijk"  # no parent: below the municipality
    assert create("GB0599Z", "other") == "other"
    assert create("WK0599ZA", "neighbourhood", "GB0599Z") == "wijk"
    stored = client.get(f"{API}/areas", params={"municipalityCode": "GM0599"}).json()["items"]
    assert {a["kind"] for a in stored} == {"stadsdeel", "wijk", "buurt", "other"}

    # A change names the level by the parent it will have after the change.
    moved = client.patch(
        f"{API}/areas/WK0599XX",
        json={"kind": "neighbourhood", "parentCode": "WK0599FA"},
        headers=admin,
    )
    assert moved.json()["kind"] == "buurt"
    kept = client.patch(f"{API}/areas/BU0599FA02", json={"kind": "district"}, headers=admin)
    assert kept.json()["kind"] == "stadsdeel"


def test_an_unknown_kind_is_400(client: TestClient, admin: Headers) -> None:
    _rotterdam(client, admin)
    response = client.post(
        f"{API}/areas", json=area_body("SD0599C", kind="gemeente"), headers=admin
    )
    assert_problem(response, 400, names=["kind"])


def test_duplicate_code_is_409(client: TestClient, admin: Headers) -> None:
    _rotterdam(client, admin)
    assert client.post(f"{API}/areas", json=area_body("SD0599C"), headers=admin).status_code == 201
    assert_problem(
        client.post(f"{API}/areas", json=area_body("SD0599C", name="Ander"), headers=admin), 409
    )


def test_area_codes_are_unique_across_municipalities(
    client: TestClient, admin: Headers, municipality
) -> None:
    _rotterdam(client, admin)
    assert_problem(client.post(f"{API}/areas", json=area_body("SD0363T"), headers=admin), 409)
    assert client.get(f"{API}/areas/SD0363T").json()["municipalityCode"] == "GM0363"


def test_unknown_municipality_is_400(client: TestClient, admin: Headers) -> None:
    response = client.post(f"{API}/areas", json=area_body("X1", "GM0001"), headers=admin)
    body = assert_problem(response, 400, names=["municipalityCode"])
    assert "GM0001" in body["invalidParams"][0]["reason"]


def test_unknown_parent_is_400(client: TestClient, admin: Headers, municipality) -> None:
    _rotterdam(client, admin)
    unknown = client.post(f"{API}/areas", json=area_body("X1", parentCode="NOPE"), headers=admin)
    assert_problem(unknown, 400, names=["parentCode"])
    # A parent in another municipality is just as unknown here.
    elsewhere = client.post(
        f"{API}/areas", json=area_body("X1", parentCode="SD0363T"), headers=admin
    )
    assert_problem(elsewhere, 400, names=["parentCode"])
    patch = client.patch(f"{API}/areas/SD0363N", json={"parentCode": "NOPE"}, headers=admin)
    assert_problem(patch, 400, names=["parentCode"])
    assert client.get(f"{API}/areas").json()["total"] == 4


def test_the_hierarchy_cannot_loop(client: TestClient, admin: Headers, municipality) -> None:
    # Stadsdeel under its own buurt would make a loop.
    response = client.patch(
        f"{API}/areas/SD0363T", json={"parentCode": "BU0363TA01"}, headers=admin
    )
    assert_problem(response, 400, names=["parentCode"])
    itself = client.patch(f"{API}/areas/SD0363N", json={"parentCode": "SD0363N"}, headers=admin)
    assert_problem(itself, 400, names=["parentCode"])
    assert client.get(f"{API}/areas/SD0363T").json()["parentCode"] is None


def test_null_for_a_required_field_is_400(client: TestClient, admin: Headers, municipality) -> None:
    response = client.patch(
        f"{API}/areas/SD0363T", json={"name": None, "kind": None}, headers=admin
    )
    assert_problem(response, 400, names=["name", "kind"])
    assert client.get(f"{API}/areas/SD0363T").json()["name"] == "Zuidoost"


def test_municipality_cannot_be_changed(client: TestClient, admin: Headers, municipality) -> None:
    response = client.patch(
        f"{API}/areas/SD0363T", json={"municipalityCode": "GM0599"}, headers=admin
    )
    assert_problem(response, 400, names=["municipalityCode"])


def test_deleting_an_area_with_sub_areas_is_409(
    client: TestClient, admin: Headers, municipality
) -> None:
    assert_problem(client.delete(f"{API}/areas/WK0363TA", headers=admin), 409)
    assert client.get(f"{API}/areas/WK0363TA").status_code == 200


def test_deleting_an_area_in_use_is_409(
    client: TestClient, admin: Headers, broker: Headers, municipality
) -> None:
    # A fresh leaf area, used by one thing at a time.
    client.post(f"{API}/areas", json=area_body("BU0363N01", "GM0363"), headers=admin)
    users = [
        ("units", unit_body(areaCodes=["BU0363N01"])),
        ("contacts", contact_body(municipality.units["ruimte"], areaCodes=["BU0363N01"])),
        ("initiatives", initiative_body(areaCodes=["BU0363N01"])),
    ]
    for collection, body in users:
        created = client.post(f"{API}/{collection}", json=body, headers=broker)
        assert created.status_code == 201, created.text
        problem = assert_problem(client.delete(f"{API}/areas/BU0363N01", headers=admin), 409)
        assert collection in problem["detail"]
        gone = client.delete(created.headers["Location"], headers=broker)
        assert gone.status_code == 204
    assert client.delete(f"{API}/areas/BU0363N01", headers=admin).status_code == 204


def test_a_former_kind_written_during_an_upgrade_is_shown_as_a_level(
    client: TestClient, engine: Engine, municipality
) -> None:
    """A process of 0.1.0 still running after migration 0010 writes "district": no 500."""
    with engine.begin() as connection:
        connection.execute(text("UPDATE area SET kind = 'district' WHERE code = 'SD0363N'"))
        connection.execute(text("UPDATE area SET kind = 'neighbourhood' WHERE code = 'WK0363TA'"))
    assert client.get(f"{API}/areas/SD0363N").json()["kind"] == "stadsdeel"
    listed = client.get(f"{API}/areas", params={"municipalityCode": "GM0363"})
    assert listed.status_code == 200
    assert {a["code"]: a["kind"] for a in listed.json()["items"]}["WK0363TA"] == "wijk"
