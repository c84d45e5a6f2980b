"""API keys: issued once, listed without secrets, revoked, and subjects checked."""

import hashlib

import pytest
from fastapi.testclient import TestClient

from tests.helpers import API, INITIATOR_EMAIL, assert_problem

Headers = dict[str, str]


def test_issue_use_list_and_revoke(client: TestClient, admin: Headers) -> None:
    created = client.post(
        f"{API}/api-keys",
        json={"role": "broker", "subject": "innovatiebureau", "municipalityCodes": ["GM0363"]},
        headers=admin,
    )
    assert created.status_code == 201, created.text
    key = created.json()
    assert set(key) == {
        "id",
        "role",
        "subject",
        "municipalityCodes",
        "createdAt",
        "revokedAt",
        "expiresAt",
        "token",
    }
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
    assert set(items[0]) == {
        "id",
        "role",
        "subject",
        "municipalityCodes",
        "createdAt",
        "revokedAt",
        "expiresAt",
    }
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
        client.post(
            f"{API}/api-keys",
            json={"role": "broker", "municipalityCodes": ["GM0363"]},
            headers=admin,
        ).json()["token"]
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


# Expiry, rotation and secrecy of tokens.


def _future(**delta: float) -> str:
    from datetime import UTC, datetime, timedelta

    return (datetime.now(UTC) + timedelta(**delta)).isoformat().replace("+00:00", "Z")


def _expire(engine, key_id: int) -> None:
    from datetime import UTC, datetime, timedelta

    from sqlmodel import Session

    from schemas import ApiKey

    with Session(engine) as session:
        key = session.get(ApiKey, key_id)
        key.expires_at = datetime.now(UTC) - timedelta(seconds=1)
        session.add(key)
        session.commit()


def test_keys_expire(client: TestClient, admin: Headers, engine) -> None:
    created = client.post(
        f"{API}/api-keys",
        json={"role": "broker", "municipalityCodes": ["GM0363"], "expiresAt": _future(days=30)},
        headers=admin,
    )
    assert created.status_code == 201, created.text
    assert created.json()["expiresAt"] is not None
    broker = {"Authorization": f"Bearer {created.json()['token']}"}
    assert client.get(f"{API}/contacts", headers=broker).status_code == 200

    _expire(engine, created.json()["id"])
    response = client.get(f"{API}/contacts", headers=broker)
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"] == "Bearer"
    # Anonymous endpoints too: a dead key is never mistaken for a working one.
    assert_problem(client.get(f"{API}/units", headers=broker), 401)

    for expires_at in (_future(days=-1), _future(days=731), "morgen"):
        response = client.post(
            f"{API}/api-keys",
            json={"role": "broker", "municipalityCodes": ["GM0363"], "expiresAt": expires_at},
            headers=admin,
        )
        assert_problem(response, 400, names=["expiresAt"])


def test_rotation_issues_a_new_key_and_revokes_the_old_one(
    client: TestClient, admin: Headers, municipality
) -> None:
    annelies = str(municipality.contacts["annelies"])
    old = client.post(
        f"{API}/api-keys",
        json={"role": "contact", "subject": annelies, "expiresAt": _future(days=90)},
        headers=admin,
    ).json()
    old_headers = {"Authorization": f"Bearer {old['token']}"}

    rotated = client.post(f"{API}/api-keys/{old['id']}/rotation", headers=admin)
    assert rotated.status_code == 201, rotated.text
    new = rotated.json()
    assert rotated.headers["Location"] == f"{API}/api-keys/{new['id']}"
    assert (new["role"], new["subject"]) == ("contact", annelies)
    assert new["token"] != old["token"]
    # The new key keeps the old one's lifetime (90 days), from now.
    assert new["expiresAt"] > old["expiresAt"]
    new_headers = {"Authorization": f"Bearer {new['token']}"}
    assert client.get(f"{API}/contacts/{annelies}", headers=new_headers).status_code == 200
    # Without a grace period the old key stops at once.
    assert_problem(client.get(f"{API}/contacts/{annelies}", headers=old_headers), 401)
    keys = {k["id"]: k for k in client.get(f"{API}/api-keys", headers=admin).json()["items"]}
    assert keys[old["id"]]["revokedAt"] is not None
    assert new["token"] not in str(keys)
    # A revoked key cannot be rotated.
    assert_problem(client.post(f"{API}/api-keys/{old['id']}/rotation", headers=admin), 409)
    assert_problem(client.post(f"{API}/api-keys/99999/rotation", headers=admin), 404)


def test_rotation_with_a_grace_period(client: TestClient, admin: Headers) -> None:
    old = client.post(
        f"{API}/api-keys", json={"role": "broker", "municipalityCodes": ["GM0363"]}, headers=admin
    ).json()
    old_headers = {"Authorization": f"Bearer {old['token']}"}
    rotated = client.post(
        f"{API}/api-keys/{old['id']}/rotation", json={"graceSeconds": 3600}, headers=admin
    )
    assert rotated.status_code == 201, rotated.text
    assert rotated.json()["expiresAt"] is None  # the old key had no expiry either
    # Both work during the grace period; the old one now expires within the hour.
    assert client.get(f"{API}/contacts", headers=old_headers).status_code == 200
    new_headers = {"Authorization": f"Bearer {rotated.json()['token']}"}
    assert client.get(f"{API}/contacts", headers=new_headers).status_code == 200
    keys = {k["id"]: k for k in client.get(f"{API}/api-keys", headers=admin).json()["items"]}
    assert keys[old["id"]]["revokedAt"] is None
    assert _future(minutes=59) < keys[old["id"]]["expiresAt"] <= _future(hours=1)

    for body in ({"graceSeconds": 86_401}, {"graceSeconds": -1}, {"grace": 5}):
        response = client.post(f"{API}/api-keys/{old['id']}/rotation", json=body, headers=admin)
        assert response.status_code == 400, response.text


def test_a_bad_token_never_appears_in_the_answer(client: TestClient, admin: Headers) -> None:
    created = client.post(
        f"{API}/api-keys", json={"role": "broker", "municipalityCodes": ["GM0363"]}, headers=admin
    ).json()
    client.delete(f"{API}/api-keys/{created['id']}", headers=admin)
    guesses = [
        "wgw_" + "x" * 43,
        created["token"],  # revoked
        created["token"][:-1],
        "<script>alert(1)</script>",
    ]
    for token in guesses:
        for path in ("/contacts", "/units", "/api-keys"):
            response = client.get(f"{API}{path}", headers={"Authorization": f"Bearer {token}"})
            assert_problem(response, 401)
            assert token not in response.text
            assert token not in str(response.headers)
            assert hashlib.sha256(token.encode()).hexdigest() not in response.text
