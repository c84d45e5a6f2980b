"""API keys: issued once, listed without secrets, revoked, and subjects checked."""

import hashlib

import pytest
from fastapi.testclient import TestClient

from tests.helpers import API, INITIATOR_EMAIL, assert_problem

Headers = dict[str, str]


def test_issue_use_list_and_revoke(client: TestClient, admin: Headers) -> None:
    created = client.post(
        f"{API}/api-keys", json={"role": "broker", "subject": "innovatiebureau"}, headers=admin
    )
    assert created.status_code == 201, created.text
    key = created.json()
    assert set(key) == {"id", "role", "subject", "createdAt", "revokedAt", "token"}
    assert (key["role"], key["subject"], key["revokedAt"]) == ("broker", "innovatiebureau", None)
    assert created.headers["Location"] == f"{API}/api-keys/{key['id']}"
    token = key["token"]
    assert len(token) >= 32
    broker = {"Authorization": f"Bearer {token}"}

    # The key works.
    assert client.get(f"{API}/contacts", headers=broker).status_code == 200

    listing = client.get(f"{API}/api-keys", headers=admin)
    assert listing.status_code == 200
    items = listing.json()["items"]
    assert [(k["id"], k["role"], k["revokedAt"]) for k in items] == [(key["id"], "broker", None)]
    # Neither the secret nor its hash is ever shown again.
    assert set(items[0]) == {"id", "role", "subject", "createdAt", "revokedAt"}
    assert token not in listing.text
    assert hashlib.sha256(token.encode()).hexdigest() not in listing.text

    assert client.delete(f"{API}/api-keys/{key['id']}", headers=admin).status_code == 204
    revoked = client.get(f"{API}/api-keys", headers=admin).json()["items"][0]
    assert revoked["revokedAt"] is not None
    assert_problem(client.get(f"{API}/contacts", headers=broker), 401)
    # Revoking twice is harmless.
    assert client.delete(f"{API}/api-keys/{key['id']}", headers=admin).status_code == 204


def test_every_key_is_different(client: TestClient, admin: Headers) -> None:
    tokens = {
        client.post(f"{API}/api-keys", json={"role": "broker"}, headers=admin).json()["token"]
        for _ in range(3)
    }
    assert len(tokens) == 3


def test_contact_key_needs_an_existing_contact(
    client: TestClient, admin: Headers, municipality
) -> None:
    annelies = str(municipality.contacts["annelies"])
    ok = client.post(
        f"{API}/api-keys", json={"role": "contact", "subject": annelies}, headers=admin
    )
    assert ok.status_code == 201
    assert ok.json()["subject"] == annelies
    for subject in (None, "", "99999", "annelies", "-1", "0", "²", str(2**70), "1\x00"):
        response = client.post(
            f"{API}/api-keys", json={"role": "contact", "subject": subject}, headers=admin
        )
        assert_problem(response, 400, names=["subject"])


def test_initiator_key_needs_an_email(client: TestClient, admin: Headers) -> None:
    ok = client.post(
        f"{API}/api-keys",
        json={"role": "initiator", "subject": INITIATOR_EMAIL.upper()},
        headers=admin,
    )
    assert ok.status_code == 201
    assert ok.json()["subject"] == INITIATOR_EMAIL  # stored in lower case
    for subject in (None, "", "geen-email"):
        response = client.post(
            f"{API}/api-keys", json={"role": "initiator", "subject": subject}, headers=admin
        )
        assert_problem(response, 400, names=["subject"])


@pytest.mark.parametrize(
    ("body", "names"),
    [
        ({"role": "superuser"}, ["role"]),
        ({}, ["role"]),
        ({"role": "broker", "subject": "x" * 201}, ["subject"]),
        ({"role": "broker", "token": "chosen"}, ["token"]),
    ],
)
def test_invalid_key_requests(client: TestClient, admin: Headers, body: dict, names: list) -> None:
    assert_problem(client.post(f"{API}/api-keys", json=body, headers=admin), 400, names=names)
    assert client.get(f"{API}/api-keys", headers=admin).json()["total"] == 0


def test_unknown_key_id_is_404(client: TestClient, admin: Headers) -> None:
    assert_problem(client.delete(f"{API}/api-keys/4321", headers=admin), 404)
    assert_problem(client.delete(f"{API}/api-keys/{2**70}", headers=admin), 400, names=["id"])


def test_unknown_and_malformed_keys_are_401(client: TestClient) -> None:
    for value in ("Bearer wgw_unknown", "Bearer " + "x" * 5000):
        response = client.get(f"{API}/contacts", headers={"Authorization": value})
        assert_problem(response, 401)
        assert response.headers["WWW-Authenticate"] == "Bearer"


def test_a_revoked_key_no_longer_manages_anything(
    client: TestClient, admin: Headers, make_key
) -> None:
    second_admin = make_key("admin")
    key_id = client.get(f"{API}/api-keys", headers=admin).json()["items"][0]["id"]
    assert client.get(f"{API}/api-keys", headers=second_admin).status_code == 200
    client.delete(f"{API}/api-keys/{key_id}", headers=admin)
    assert_problem(client.get(f"{API}/api-keys", headers=second_admin), 401)
    assert_problem(
        client.post(f"{API}/api-keys", json={"role": "admin"}, headers=second_admin), 401
    )


def test_deleting_a_contact_revokes_its_keys(
    client: TestClient, admin: Headers, broker: Headers, make_key, municipality
) -> None:
    # Fatima has the highest id: SQLite hands that id to the next contact created.
    fatima = municipality.contacts["fatima"]
    key = make_key("contact", str(fatima))
    assert client.get(f"{API}/contacts/{fatima}", headers=key).status_code == 200
    assert client.delete(f"{API}/contacts/{fatima}", headers=broker).status_code == 204
    successor = client.post(
        f"{API}/contacts",
        json={
            "unitId": municipality.units["wonen"],
            "name": "Nieuwe Collega",
            "jobTitle": "Adviseur",
            "email": "nieuw@amsterdam.example",
        },
        headers=broker,
    ).json()
    assert_problem(client.get(f"{API}/contacts/{successor['id']}", headers=key), 401)
    assert_problem(
        client.patch(f"{API}/contacts/{successor['id']}", json={"name": "X"}, headers=key), 401
    )
    listed = client.get(f"{API}/api-keys", headers=admin).json()["items"]
    contact_keys = [k for k in listed if k["role"] == "contact"]
    assert [k["subject"] for k in contact_keys] == [str(fatima)]
    assert contact_keys[0]["revokedAt"] is not None
