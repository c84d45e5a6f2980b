"""ETag and If-Match: two editors of one record cannot silently overwrite each other."""

import re

import pytest
from fastapi.testclient import TestClient

from tests.helpers import (
    API,
    Headers,
    ImportedMunicipality,
    area_body,
    assert_problem,
    municipality_body,
    unit_body,
)

STRONG_ETAG = re.compile(r'^"[0-9a-f]{32}"$')


def test_second_broker_with_the_old_etag_gets_412_and_the_first_change_survives(
    client: TestClient, broker: Headers, make_key, municipality: ImportedMunicipality
) -> None:
    other_broker = make_key("broker", "wijkteam-west")
    path = f"{API}/contacts/{municipality.contacts['annelies']}"
    first_read = client.get(path, headers=broker)
    second_read = client.get(path, headers=other_broker)
    etag = first_read.headers["ETag"]
    assert STRONG_ETAG.match(etag)
    assert second_read.headers["ETag"] == etag

    first = client.patch(
        path, json={"jobTitle": "Gebiedsmakelaar"}, headers={**broker, "If-Match": etag}
    )
    assert first.status_code == 200, first.text
    assert first.headers["ETag"] != etag
    second = client.patch(
        path, json={"jobTitle": "Wijkcoach"}, headers={**other_broker, "If-Match": etag}
    )
    body = assert_problem(second, 412)
    assert body["title"] == "Precondition failed"

    now = client.get(path, headers=broker)
    assert now.json()["jobTitle"] == "Gebiedsmakelaar"
    assert now.headers["ETag"] == first.headers["ETag"]
    # Reading again and retrying with the fresh tag works.
    fresh = {**other_broker, "If-Match": now.headers["ETag"]}
    retry = client.patch(path, json={"jobTitle": "Wijkcoach"}, headers=fresh)
    assert retry.status_code == 200, retry.text
    assert retry.json()["jobTitle"] == "Wijkcoach"


def test_the_etag_changes_with_every_change_even_within_one_clock_tick(
    client: TestClient, broker: Headers, municipality: ImportedMunicipality
) -> None:
    path = f"{API}/contacts/{municipality.contacts['annelies']}"
    seen = {client.get(path, headers=broker).headers["ETag"]}
    for title in ("Een", "Twee", "Drie", "Vier"):
        response = client.patch(path, json={"jobTitle": title}, headers=broker)
        assert response.status_code == 200, response.text
        seen.add(response.headers["ETag"])
    assert len(seen) == 5


@pytest.mark.parametrize("kind", ["municipality", "area", "unit", "contact", "initiative"])
def test_get_patch_and_post_send_the_same_etag_a_get_reads(
    client: TestClient, admin: Headers, municipality: ImportedMunicipality, kind: str
) -> None:
    if kind == "municipality":
        created = client.post(f"{API}/municipalities", json=municipality_body(), headers=admin)
        change = {"name": "Rotterdam-Zuid"}
    elif kind == "area":
        client.post(f"{API}/municipalities", json=municipality_body(), headers=admin)
        created = client.post(f"{API}/areas", json=area_body("SD0599A"), headers=admin)
        change = {"name": "Noord"}
    elif kind == "unit":
        created = client.post(f"{API}/units", json=unit_body(), headers=admin)
        change = {"name": "Team Wijken"}
    elif kind == "contact":
        created = client.post(
            f"{API}/contacts",
            json={
                "unitId": municipality.units["wonen"],
                "name": "Sanne Smit",
                "jobTitle": "Gebiedsadviseur",
                "email": "s.smit@amsterdam.example",
                "consentAt": "2026-01-15T09:00:00Z",
            },
            headers=admin,
        )
        change = {"jobTitle": "Wijkcoach"}
    else:
        created = client.post(
            f"{API}/initiatives",
            json={
                "municipalityCode": municipality.code,
                "title": "Taalcafé",
                "description": "Samen Nederlands oefenen bij de koffie in de buurt.",
                "initiator": {"name": "Fatima", "email": "fatima@example.org"},
            },
            headers=admin,
        )
        change = {"title": "Taalcafé West"}
    assert created.status_code == 201, created.text
    location = created.headers["Location"].removeprefix("/api/v1")
    read = client.get(API + location, headers=admin)
    assert STRONG_ETAG.match(read.headers["ETag"])
    assert created.headers["ETag"] == read.headers["ETag"]

    patched = client.patch(
        API + location, json=change, headers={**admin, "If-Match": read.headers["ETag"]}
    )
    assert patched.status_code == 200, patched.text
    assert patched.headers["ETag"] == client.get(API + location, headers=admin).headers["ETag"]
    assert patched.headers["ETag"] != read.headers["ETag"]


def test_introductions_carry_etags_and_check_if_match(
    client: TestClient, broker: Headers, municipality: ImportedMunicipality
) -> None:
    initiative = client.post(
        f"{API}/initiatives",
        json={
            "municipalityCode": municipality.code,
            "title": "Moestuin",
            "description": "Een gezamenlijke moestuin op het braakliggende veldje.",
            "initiator": {"name": "Fatima", "email": "fatima@example.org"},
        },
        headers=broker,
    ).json()
    created = client.post(
        f"{API}/introductions",
        json={"initiativeId": initiative["id"], "contactId": municipality.contacts["annelies"]},
        headers=broker,
    )
    assert created.status_code == 201, created.text
    path = API + created.headers["Location"].removeprefix("/api/v1")
    etag = client.get(path, headers=broker).headers["ETag"]
    assert created.headers["ETag"] == etag
    accepted = client.patch(path, json={"status": "accepted"}, headers={**broker, "If-Match": etag})
    assert accepted.status_code == 200, accepted.text
    stale = client.patch(path, json={"status": "cancelled"}, headers={**broker, "If-Match": etag})
    assert_problem(stale, 412)
    assert client.get(path, headers=broker).json()["status"] == "accepted"


def test_delete_with_a_stale_if_match_is_412_and_keeps_the_record(
    client: TestClient, admin: Headers
) -> None:
    client.post(f"{API}/municipalities", json=municipality_body(), headers=admin)
    path = f"{API}/municipalities/GM0599"
    old = client.get(path).headers["ETag"]
    client.patch(path, json={"name": "Rotterdam-Zuid"}, headers=admin)
    assert_problem(client.delete(path, headers={**admin, "If-Match": old}), 412)
    assert client.get(path).status_code == 200
    fresh = client.get(path).headers["ETag"]
    assert client.delete(path, headers={**admin, "If-Match": fresh}).status_code == 204
    assert client.get(path).status_code == 404


def test_without_if_match_writes_work_as_before(
    client: TestClient, broker: Headers, municipality: ImportedMunicipality
) -> None:
    path = f"{API}/units/{municipality.units['wonen']}"
    assert client.patch(path, json={"name": "Wonen en Bouwen"}, headers=broker).status_code == 200
    unit = client.post(f"{API}/units", json=unit_body(), headers=broker).json()
    assert client.delete(f"{API}/units/{unit['id']}", headers=broker).status_code == 204


def test_if_match_star_and_lists_and_weak_tags(client: TestClient, admin: Headers) -> None:
    client.post(f"{API}/municipalities", json=municipality_body(), headers=admin)
    path = f"{API}/municipalities/GM0599"
    etag = client.get(path).headers["ETag"]
    star = client.patch(path, json={"name": "A"}, headers={**admin, "If-Match": "*"})
    assert star.status_code == 200, star.text
    etag = star.headers["ETag"]
    listed = client.patch(
        path, json={"name": "B"}, headers={**admin, "If-Match": f'"0000", {etag}'}
    )
    assert listed.status_code == 200, listed.text
    # Strong comparison: a weak tag never matches, even with the right value.
    weak = client.patch(
        path, json={"name": "C"}, headers={**admin, "If-Match": "W/" + listed.headers["ETag"]}
    )
    assert_problem(weak, 412)
    # If-Match: * on a record that does not exist is still a 404.
    missing = client.patch(
        f"{API}/municipalities/GM0001", json={"name": "X"}, headers={**admin, "If-Match": "*"}
    )
    assert_problem(missing, 404)


@pytest.mark.parametrize("value", ["abc", '"unterminated', '"a" "b"', "W/abc", '"a",, "b"', ""])
def test_a_malformed_if_match_is_400_naming_the_header(
    client: TestClient, admin: Headers, value: str
) -> None:
    client.post(f"{API}/municipalities", json=municipality_body(), headers=admin)
    path = f"{API}/municipalities/GM0599"
    response = client.patch(path, json={"name": "X"}, headers={**admin, "If-Match": value})
    assert_problem(response, 400, names=["If-Match"])
    assert client.get(path).json()["name"] == "Rotterdam"


def test_if_match_is_checked_after_the_role(client: TestClient, broker: Headers) -> None:
    """A caller who may not write learns nothing from a precondition: 401/403 come first."""
    path = f"{API}/areas/SD0599A"
    assert_problem(client.delete(path, headers={"If-Match": '"stale"'}), 401)
    assert_problem(client.delete(path, headers={**broker, "If-Match": '"stale"'}), 403)


def test_the_openapi_document_declares_etag_if_match_and_412(client: TestClient) -> None:
    document = client.get(f"{API}/openapi.json").json()
    for path in ("/municipalities/{code}", "/contacts/{id}", "/introductions/{id}"):
        operations = document["paths"][path]
        assert "ETag" in operations["get"]["responses"]["200"]["headers"]
        assert "ETag" in operations["patch"]["responses"]["200"]["headers"]
        for method in ("patch",) + (("delete",) if "delete" in operations else ()):
            names = [p["name"] for p in operations[method]["parameters"]]
            assert "If-Match" in names
            assert "412" in operations[method]["responses"]
    assert "ETag" in document["paths"]["/contacts"]["post"]["responses"]["201"]["headers"]
