"""Municipalities: CRUD by CBS code, conflicts, and who may change them."""

from fastapi.testclient import TestClient

from tests.helpers import API, area_body, assert_problem, municipality_body

Headers = dict[str, str]


def test_crud_round_trip(client: TestClient, admin: Headers) -> None:
    created = client.post(f"{API}/municipalities", json=municipality_body(), headers=admin)
    assert created.status_code == 201, created.text
    assert created.json() == {"code": "GM0599", "name": "Rotterdam"}
    assert created.headers["Location"] == f"{API}/municipalities/GM0599"

    one = client.get(created.headers["Location"])
    assert one.status_code == 200
    assert one.json() == {"code": "GM0599", "name": "Rotterdam"}

    client.post(
        f"{API}/municipalities", json=municipality_body("GM0363", "Amsterdam"), headers=admin
    )
    listing = client.get(f"{API}/municipalities")
    assert listing.status_code == 200
    assert [m["code"] for m in listing.json()["items"]] == ["GM0363", "GM0599"]
    assert listing.json()["total"] == 2

    patched = client.patch(
        f"{API}/municipalities/GM0599", json={"name": "Gemeente Rotterdam"}, headers=admin
    )
    assert patched.status_code == 200
    assert patched.json() == {"code": "GM0599", "name": "Gemeente Rotterdam"}
    assert client.get(f"{API}/municipalities/GM0599").json()["name"] == "Gemeente Rotterdam"

    deleted = client.delete(f"{API}/municipalities/GM0599", headers=admin)
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert_problem(client.get(f"{API}/municipalities/GM0599"), 404)
    assert client.get(f"{API}/municipalities").json()["total"] == 1


def test_an_empty_patch_changes_nothing(client: TestClient, admin: Headers) -> None:
    client.post(f"{API}/municipalities", json=municipality_body(), headers=admin)
    patched = client.patch(f"{API}/municipalities/GM0599", json={}, headers=admin)
    assert patched.status_code == 200
    assert patched.json() == {"code": "GM0599", "name": "Rotterdam"}


def test_the_code_cannot_be_changed(client: TestClient, admin: Headers) -> None:
    client.post(f"{API}/municipalities", json=municipality_body(), headers=admin)
    response = client.patch(f"{API}/municipalities/GM0599", json={"code": "GM0600"}, headers=admin)
    assert_problem(response, 400, names=["code"])


def test_duplicate_code_is_409(client: TestClient, admin: Headers) -> None:
    assert client.post(f"{API}/municipalities", json=municipality_body(), headers=admin).is_success
    again = client.post(
        f"{API}/municipalities", json=municipality_body(name="Rotterdam II"), headers=admin
    )
    assert_problem(again, 409)
    assert client.get(f"{API}/municipalities/GM0599").json()["name"] == "Rotterdam"


def test_invalid_code_and_name_are_each_named(client: TestClient, admin: Headers) -> None:
    response = client.post(
        f"{API}/municipalities", json={"code": "0599", "name": ""}, headers=admin
    )
    assert_problem(response, 400, names=["code", "name"])
    assert client.get(f"{API}/municipalities").json()["total"] == 0


def test_unknown_code_is_404(client: TestClient, admin: Headers) -> None:
    assert_problem(client.get(f"{API}/municipalities/GM9999"), 404)
    assert_problem(client.patch(f"{API}/municipalities/GM9999", json={}, headers=admin), 404)
    assert_problem(client.delete(f"{API}/municipalities/GM9999", headers=admin), 404)


def test_malformed_code_in_the_path_is_400(client: TestClient) -> None:
    assert_problem(client.get(f"{API}/municipalities/Amsterdam"), 400, names=["code"])


def test_deleting_a_municipality_in_use_is_409(client: TestClient, admin: Headers) -> None:
    client.post(f"{API}/municipalities", json=municipality_body(), headers=admin)
    client.post(f"{API}/areas", json=area_body("SD0599C"), headers=admin)
    assert_problem(client.delete(f"{API}/municipalities/GM0599", headers=admin), 409)
    assert client.get(f"{API}/municipalities/GM0599").status_code == 200

    assert client.delete(f"{API}/areas/SD0599C", headers=admin).status_code == 204
    assert client.delete(f"{API}/municipalities/GM0599", headers=admin).status_code == 204


def test_deleting_a_municipality_with_units_or_initiatives_is_409(
    client: TestClient, admin: Headers, municipality
) -> None:
    # GM0363 has units (and so contacts); deleting it would orphan them.
    assert_problem(client.delete(f"{API}/municipalities/GM0363", headers=admin), 409)
    client.post(f"{API}/municipalities", json=municipality_body(), headers=admin)
    initiative = client.post(
        f"{API}/initiatives",
        json={
            "municipalityCode": "GM0599",
            "title": "Geveltuinen",
            "initiator": {"name": "Iris", "email": "iris@example.org"},
        },
        headers=admin,
    )
    assert initiative.status_code == 201
    assert_problem(client.delete(f"{API}/municipalities/GM0599", headers=admin), 409)
