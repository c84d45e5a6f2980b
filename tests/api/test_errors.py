"""Every error is RFC 9457 problem+json with the right status; no input produces a 500."""

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.helpers import (
    API,
    INITIATOR_EMAIL,
    area_body,
    assert_problem,
    contact_body,
    directory,
    initiative_body,
    municipality_body,
    unit_body,
)

Headers = dict[str, str]
MiB = 1024 * 1024
HUGE = 2**70
JSON = {"Content-Type": "application/json"}


# 400: invalid input, every problem listed by its JSON path.


def test_malformed_json_is_400(client: TestClient, admin: Headers) -> None:
    response = client.post(
        f"{API}/municipalities", content=b'{"code": "GM0599", ', headers={**admin, **JSON}
    )
    body = assert_problem(response, 400, names=["body"])
    assert body["title"] == "Invalid input"


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"", "body"),
        (b"null", "body"),
        (b"[]", "body"),
        (b'"GM0599"', "body"),
        (b"\xff\xfe\x00{", "body"),  # not UTF-8
        (b"[" * 50_000 + b"]" * 50_000, "body"),  # deeper than the JSON parser goes
        (b'{"code": "GM0599", "name": NaN}', "name"),
    ],
    ids=["empty", "null", "array", "string", "not-utf8", "deep", "nan"],
)
def test_bodies_that_are_no_valid_object_are_400(
    client: TestClient, admin: Headers, content: bytes, name: str
) -> None:
    response = client.post(f"{API}/municipalities", content=content, headers={**admin, **JSON})
    body = assert_problem(response, 400, names=[name])
    assert body["title"] == "Invalid input"
    assert client.get(f"{API}/municipalities").json()["total"] == 0


def test_unknown_field_is_400(client: TestClient, admin: Headers) -> None:
    response = client.post(
        f"{API}/municipalities",
        json={**municipality_body(), "provincie": "Zuid-Holland"},
        headers=admin,
    )
    body = assert_problem(response, 400, names=["provincie"])
    assert body["invalidParams"][0]["reason"] == "Unknown field."
    # A field name that looks like a path keeps its name.
    odd = client.post(
        f"{API}/municipalities", json={**municipality_body(), "naam[0]": "x"}, headers=admin
    )
    assert_problem(odd, 400, names=["naam[0]"])


def test_every_problem_is_listed_with_its_json_path(
    client: TestClient, broker: Headers, municipality
) -> None:
    body = {
        "unitId": "wonen",
        "name": "",
        "email": "geen-adres",
        "networks": [{"name": "Ymere", "kind": "housing"}, {"name": "X", "kind": "bank"}],
        "themes": ["ok", "x" * 81],
        "capacityPerMonth": HUGE,
        "knows": [1, 0],
        "spelling": "fout",
    }
    response = client.post(f"{API}/contacts", json=body, headers=broker)
    problem = assert_problem(
        response,
        400,
        names=[
            "unitId",
            "name",
            "jobTitle",
            "email",
            "networks[1].kind",
            "themes[1]",
            "capacityPerMonth",
            "knows[1]",
            "spelling",
        ],
    )
    reasons = {p["name"]: p["reason"] for p in problem["invalidParams"]}
    assert reasons["jobTitle"] == "Required."
    assert "email" in reasons["email"].lower()


def test_query_problems_are_all_listed(client: TestClient, broker: Headers) -> None:
    response = client.get(
        f"{API}/contacts",
        params={"page": 0, "pageSize": 1000, "unitId": "x", "areaCode": "?"},
        headers=broker,
    )
    assert_problem(response, 400, names=["page", "pageSize", "unitId", "areaCode"])


def test_null_for_a_non_nullable_field_in_patch_is_400(
    client: TestClient, admin: Headers, municipality
) -> None:
    response = client.patch(f"{API}/municipalities/GM0363", json={"name": None}, headers=admin)
    assert_problem(response, 400, names=["name"])
    assert client.get(f"{API}/municipalities/GM0363").json()["name"] == "Amsterdam"


@pytest.mark.parametrize(
    ("collection", "body", "name"),
    [
        ("units", lambda ids: unit_body("GM0001"), "municipalityCode"),
        ("units", lambda ids: unit_body(areaCodes=["GEEN"]), "areaCodes[0]"),
        ("areas", lambda ids: area_body("X1", "GM0001"), "municipalityCode"),
        ("contacts", lambda ids: contact_body(424242), "unitId"),
        (
            "contacts",
            lambda ids: contact_body(ids.units["wonen"], knows=[424242]),
            "knows[0]",
        ),
        ("initiatives", lambda ids: initiative_body("GM0001"), "municipalityCode"),
        ("initiatives", lambda ids: initiative_body(areaCodes=["GEEN"]), "areaCodes[0]"),
    ],
)
def test_unknown_references_are_400_naming_the_field(
    client: TestClient, admin: Headers, municipality, collection: str, body, name: str
) -> None:
    before = client.get(f"{API}/{collection}", headers=admin).json()["total"]
    response = client.post(f"{API}/{collection}", json=body(municipality), headers=admin)
    assert_problem(response, 400, names=[name])
    assert client.get(f"{API}/{collection}", headers=admin).json()["total"] == before


# 401, 403, 404, 405, 409


def test_401_without_or_with_a_bad_key(client: TestClient, admin: Headers, make_key) -> None:
    assert_problem(client.get(f"{API}/contacts"), 401)
    assert_problem(client.get(f"{API}/contacts", headers={"Authorization": "Bearer nope"}), 401)
    assert_problem(client.get(f"{API}/contacts", headers={"Authorization": "Basic eDp5"}), 401)
    assert_problem(
        client.get(f"{API}/contacts", headers={"Authorization": "Bearer é".encode("latin-1")}),
        401,
    )
    broker = make_key("broker")
    key_id = client.get(f"{API}/api-keys", headers=admin).json()["items"][0]["id"]
    client.delete(f"{API}/api-keys/{key_id}", headers=admin)
    response = client.get(f"{API}/contacts", headers=broker)
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_403_for_a_role_without_the_right(client: TestClient, broker: Headers) -> None:
    response = client.post(f"{API}/municipalities", json=municipality_body(), headers=broker)
    body = assert_problem(response, 403)
    assert "admin" in body["detail"]


@pytest.mark.parametrize(
    "path",
    [
        "/nowhere",
        f"{API}/nowhere",
        "/api/v2/municipalities",
        f"{API}/municipalities/GM0363/areas",
        f"{API}/areas/SD0363T/units",
    ],
)
def test_404_for_unknown_routes(client: TestClient, path: str) -> None:
    assert_problem(client.get(path), 404)


def test_a_trailing_slash_is_not_a_resource(client: TestClient) -> None:
    # NL ADR /core/no-trailing-slash: the slashed URI is unknown, not a redirect.
    response = client.get(f"{API}/municipalities/", follow_redirects=False)
    assert_problem(response, 404)


@pytest.mark.parametrize("path", ["/municipalities", "/areas", "/units"])
def test_a_bad_key_is_refused_even_where_anonymous_callers_are_welcome(
    client: TestClient, path: str
) -> None:
    assert client.get(f"{API}{path}").status_code == 200
    response = client.get(f"{API}{path}", headers={"Authorization": "Bearer wgw_not-a-key"})
    assert_problem(response, 401)


def test_404_for_unknown_resources(client: TestClient, admin: Headers) -> None:
    for path in ("/municipalities/GM9999", "/areas/GEEN", "/units/9", "/contacts/9"):
        assert_problem(client.get(f"{API}{path}", headers=admin), 404)
    assert_problem(client.get(f"{API}/initiatives/9", headers=admin), 404)


def test_405_for_a_method_the_resource_lacks(client: TestClient, admin: Headers) -> None:
    assert_problem(client.put(f"{API}/municipalities/GM0363", json={}, headers=admin), 405)


def test_409_conflicts(client: TestClient, admin: Headers, broker: Headers, municipality) -> None:
    conflicts = [
        client.post(f"{API}/municipalities", json=municipality_body("GM0363"), headers=admin),
        client.post(f"{API}/areas", json=area_body("SD0363T", "GM0363"), headers=admin),
        client.delete(f"{API}/units/{municipality.units['ruimte']}", headers=broker),  # contacts
        client.delete(f"{API}/units/{municipality.units['sociaal']}", headers=broker),  # children
        client.delete(f"{API}/municipalities/GM0363", headers=admin),
        client.delete(f"{API}/areas/SD0363T", headers=admin),
    ]
    for response in conflicts:
        assert_problem(response, 409)


# 413: bodies over 1 MiB, announced or streamed (directory imports have a larger limit of
# their own: tests/api/test_imports.py).


def test_413_with_content_length(client: TestClient, admin: Headers) -> None:
    response = client.post(
        f"{API}/municipalities", content=b" " * (MiB + 1), headers={**admin, **JSON}
    )
    assert_problem(response, 413)


def test_413_for_a_chunked_body(client: TestClient, admin: Headers) -> None:
    document = municipality_body()  # a valid start, then padding past the limit
    padding = b" " * 4096

    def chunks() -> Iterator[bytes]:
        yield json.dumps(document).encode()[:-1]
        for _ in range(MiB // len(padding) + 1):
            yield padding
        yield b"}"

    response = client.post(f"{API}/municipalities", content=chunks(), headers={**admin, **JSON})
    assert "content-length" not in response.request.headers
    assert response.request.headers["transfer-encoding"] == "chunked"
    assert_problem(response, 413)
    assert client.get(f"{API}/municipalities").json()["total"] == 0


def test_a_chunked_body_under_the_limit_is_read(client: TestClient, admin: Headers) -> None:
    encoded = json.dumps(directory()).encode()

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(encoded), 100):
            yield encoded[start : start + 100]

    response = client.post(f"{API}/imports", content=chunks(), headers={**admin, **JSON})
    assert response.status_code == 201, response.text
    assert len(response.json()["contacts"]) == 6


def test_a_body_just_under_the_limit_is_accepted(client: TestClient, admin: Headers) -> None:
    body = json.dumps(municipality_body()).encode()
    padded = body + b" " * (MiB - len(body))
    response = client.post(f"{API}/municipalities", content=padded, headers={**admin, **JSON})
    assert response.status_code == 201, response.text


# Hostile input: never a 500.

HOSTILE_VALUES = [
    "a\x00b",
    "\x00",
    "\u202e\ufeff",
    "x" * 6000,
    HUGE,
    -HUGE,
    1.5,
    1e308,
    True,
    None,
    [],
    {},
    ["\x00"],
    [HUGE],
    [{"kind": "\x00"}],
    {"name": "\x00", "email": "a\x00@b.nl"},
]


def _sweep_targets(ids) -> dict[str, tuple[str, str, dict]]:
    wonen = ids.units["wonen"]
    annelies = ids.contacts["annelies"]
    return {
        "municipalities POST": ("POST", "/municipalities", municipality_body()),
        "municipalities PATCH": ("PATCH", "/municipalities/GM0363", {"name": "A"}),
        "areas POST": ("POST", "/areas", area_body("SD0363W", "GM0363", parentCode="SD0363T")),
        "areas PATCH": ("PATCH", "/areas/SD0363T", {"name": "Z", "kind": "other"}),
        "units POST": (
            "POST",
            "/units",
            unit_body(parentId=wonen, themes=["a"], areaCodes=["SD0363T"], url="https://x.nl"),
        ),
        "units PATCH": ("PATCH", f"/units/{wonen}", {"name": "W", "parentId": None}),
        "contacts POST": (
            "POST",
            "/contacts",
            contact_body(
                wonen,
                knows=[annelies],
                networks=[{"name": "N", "kind": "fund"}],
                capacityPerMonth=2,
                languages=["nl"],
                phone="+31 20 555 0000",
            ),
        ),
        "contacts PATCH": (
            "PATCH",
            f"/contacts/{annelies}",
            {"unitId": wonen, "knows": [], "capacityPerMonth": 1, "consentAt": None},
        ),
        "initiatives POST": (
            "POST",
            "/initiatives",
            initiative_body(needs=[{"kind": "space"}], stage="idea", areaCodes=["SD0363T"]),
        ),
        "imports POST": (
            "POST",
            "/imports",
            {"municipalities": [municipality_body()], "units": [], "contacts": [], "areas": []},
        ),
        "api-keys POST": ("POST", "/api-keys", {"role": "contact", "subject": str(annelies)}),
    }


SWEEP = [
    "municipalities POST",
    "municipalities PATCH",
    "areas POST",
    "areas PATCH",
    "units POST",
    "units PATCH",
    "contacts POST",
    "contacts PATCH",
    "initiatives POST",
    "imports POST",
    "api-keys POST",
]


@pytest.mark.parametrize("target", SWEEP)
def test_hostile_values_in_every_field_never_crash(
    client: TestClient, admin: Headers, municipality, target: str
) -> None:
    method, path, valid = _sweep_targets(municipality)[target]
    for field in list(valid):
        for value in HOSTILE_VALUES:
            body = {**valid, field: value}
            response = client.request(method, f"{API}{path}", json=body, headers=admin)
            assert response.status_code < 500, (field, value, response.text)
            if response.status_code >= 400:
                assert_problem(response, response.status_code)
            if isinstance(value, str) and "\x00" in value:
                # NUL never reaches the database.
                assert response.status_code == 400, (field, response.text)


def test_hostile_initiative_updates(client: TestClient, initiator: Headers, municipality) -> None:
    created = client.post(f"{API}/initiatives", json=initiative_body(), headers=initiator)
    location = created.headers["Location"]
    for field in ("title", "stage", "needs", "initiator", "areaCodes", "themes", "problem"):
        for value in HOSTILE_VALUES:
            response = client.patch(location, json={field: value}, headers=initiator)
            assert response.status_code < 500, (field, value, response.text)
            if response.status_code >= 400:
                assert_problem(response, response.status_code)
    own = client.get(location, headers=initiator).json()
    assert own["initiator"]["email"] == INITIATOR_EMAIL


@pytest.mark.parametrize(
    "raw",
    ["0", "-1", str(HUGE), "1.5", "1e3", "abc", "%00", "%20", "%E2%80%AE", "9" * 400],
)
def test_hostile_ids_in_paths_are_400_or_404(client: TestClient, admin: Headers, raw: str) -> None:
    for noun in ("units", "contacts", "initiatives", "api-keys", "areas", "municipalities"):
        for method in ("GET", "PATCH", "DELETE"):
            response = client.request(
                method,
                f"{API}/{noun}/{raw}",
                json={} if method == "PATCH" else None,
                headers=admin,
            )
            assert response.status_code in (400, 404, 405), (noun, method, response.text)
            assert_problem(response, response.status_code)


@pytest.mark.parametrize(
    "value", ["\x00", str(HUGE), "-1", "%", "'; DROP TABLE contact; --", "x" * 300, "é"]
)
def test_hostile_query_values_never_crash(
    client: TestClient, admin: Headers, municipality, value: str
) -> None:
    for collection, keys in {
        "areas": ("municipalityCode",),
        "units": ("municipalityCode", "parentId"),
        "contacts": ("municipalityCode", "unitId", "theme", "areaCode", "q"),
        "initiatives": ("municipalityCode", "theme", "areaCode", "stage"),
    }.items():
        for key in keys:
            response = client.get(f"{API}/{collection}", params={key: value}, headers=admin)
            assert response.status_code in (200, 400), (collection, key, response.text)
            if response.status_code == 400:
                assert_problem(response, 400, names=[key])
    # The tables are all still there.
    assert client.get(f"{API}/contacts", headers=admin).json()["total"] == 6
