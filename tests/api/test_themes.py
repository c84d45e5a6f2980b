"""The theme vocabulary: GET /themes, a municipality's own terms (PUT /themes/{code}), and
their effect on the very next match."""

import pytest
from fastapi.testclient import TestClient

from tests.helpers import API, assert_problem, contact_body, unit_body

Headers = dict[str, str]

DEBTS = "armoede-en-schulden"
THEME_KEYS = {"slug", "label", "labelEn", "tooi", "terms", "localTerms", "related"}


def themes(client: TestClient, **params: str) -> dict[str, dict]:
    response = client.get(f"{API}/themes", params=params)
    assert response.status_code == 200, response.text
    return {theme["slug"]: theme for theme in response.json()}


def put_terms(client: TestClient, headers: Headers, terms: dict, code: str = "GM0363"):
    return client.put(f"{API}/themes/{code}", json={"terms": terms}, headers=headers)


def test_the_vocabulary(client: TestClient) -> None:
    response = client.get(f"{API}/themes")  # open to anyone
    assert response.status_code == 200, response.text
    listed = response.json()
    assert len(listed) == 18
    slugs = [theme["slug"] for theme in listed]
    assert len(set(slugs)) == 18
    for theme in listed:
        assert set(theme) == THEME_KEYS, theme
        assert theme["label"] and theme["labelEn"]
        assert set(theme["tooi"]) == {"uri", "label"}
        assert theme["terms"] and all(isinstance(term, str) and term for term in theme["terms"])
        assert theme["localTerms"] == []
        assert set(theme["related"]) <= set(slugs) - {theme["slug"]}, theme["related"]
    by_slug = {theme["slug"]: theme for theme in listed}
    for slug in (DEBTS, "jeugd", "wonen", "zorg", "eenzaamheid", "nieuwkomers-en-integratie"):
        assert slug in by_slug
    assert "schuldhulpverlening" in by_slug[DEBTS]["terms"]
    assert "geldzorgen" in by_slug[DEBTS]["terms"]  # everyday words as well as policy words
    assert by_slug[DEBTS]["tooi"]["uri"].startswith("https://identifier.overheid.nl/tooi/")


def test_local_terms(client: TestClient, broker: Headers, admin: Headers, municipality) -> None:
    assert all(
        theme["localTerms"] == [] for theme in themes(client, municipalityCode="GM0363").values()
    )

    response = put_terms(client, broker, {DEBTS: ["geldlab", "Geldlab ", "budgetcafé"]})
    assert response.status_code == 200, response.text
    answered = {theme["slug"]: theme for theme in response.json()}
    assert len(answered) == 18
    assert answered[DEBTS]["localTerms"] == ["geldlab", "budgetcafé"]  # once each, lower case
    assert "geldlab" not in answered[DEBTS]["terms"]  # the shipped vocabulary is unchanged
    assert themes(client, municipalityCode="GM0363") == answered
    assert themes(client)[DEBTS]["localTerms"] == []  # only with municipalityCode

    # A PUT replaces the municipality's terms; other municipalities keep theirs.
    body = {"code": "GM0599", "name": "Rotterdam"}
    assert client.post(f"{API}/municipalities", json=body, headers=admin).status_code == 201
    assert put_terms(client, admin, {"jeugd": ["hangplek"]}, "GM0599").status_code == 200
    replaced = put_terms(client, broker, {"eenzaamheid": ["koffieochtend"]})
    assert replaced.status_code == 200, replaced.text
    local = {slug: t["localTerms"] for slug, t in themes(client, municipalityCode="GM0363").items()}
    assert {slug: terms for slug, terms in local.items() if terms} == {
        "eenzaamheid": ["koffieochtend"]
    }
    assert themes(client, municipalityCode="GM0599")["jeugd"]["localTerms"] == ["hangplek"]

    assert put_terms(client, broker, {}).status_code == 200
    assert all(t["localTerms"] == [] for t in themes(client, municipalityCode="GM0363").values())


def test_unknown_slug(client: TestClient, broker: Headers, municipality) -> None:
    put_terms(client, broker, {DEBTS: ["geldlab"]})
    response = put_terms(client, broker, {"onbekend": ["x y"], DEBTS: ["budgetcafé"], "z": ["ab"]})
    assert_problem(response, 400, names=["terms.onbekend", "terms.z"])
    # Nothing changed.
    assert themes(client, municipalityCode="GM0363")[DEBTS]["localTerms"] == ["geldlab"]


@pytest.mark.parametrize(
    ("body", "names"),
    [
        ({}, ["terms"]),
        ({"terms": {DEBTS: ["x"]}}, [f"terms.{DEBTS}[0]"]),
        ({"terms": {DEBTS: "geldlab"}}, [f"terms.{DEBTS}"]),
        ({"terms": {DEBTS: ["geld\nlab"]}}, [f"terms.{DEBTS}[0]"]),
        ({"terms": {}, "extra": True}, ["extra"]),
    ],
)
def test_bad_bodies(
    client: TestClient, broker: Headers, municipality, body: dict, names: list[str]
) -> None:
    response = client.put(f"{API}/themes/GM0363", json=body, headers=broker)
    assert_problem(response, 400, names=names)


def test_who_may_set_terms(
    client: TestClient,
    initiator: Headers,
    contact_key: Headers,
    admin: Headers,
    municipality,
) -> None:
    terms = {DEBTS: ["geldlab"]}
    assert_problem(put_terms(client, {}, terms), 401)
    assert_problem(put_terms(client, initiator, terms), 403)
    assert_problem(put_terms(client, contact_key, terms), 403)
    assert put_terms(client, admin, terms).status_code == 200
    assert themes(client, municipalityCode="GM0363")[DEBTS]["localTerms"] == ["geldlab"]


def test_unknown_municipality(client: TestClient, broker: Headers, municipality) -> None:
    # In the path it names a resource that does not exist (404, as for every path resource);
    # as a query filter it is invalid input (400).
    assert_problem(put_terms(client, broker, {DEBTS: ["geldlab"]}, "GM9999"), 404)
    assert_problem(put_terms(client, broker, {}, "363"), 400, names=["municipalityCode"])
    assert_problem(
        client.get(f"{API}/themes", params={"municipalityCode": "GM9999"}),
        400,
        names=["municipalityCode"],
    )
    assert_problem(
        client.get(f"{API}/themes", params={"municipalityCode": "Amsterdam"}),
        400,
        names=["municipalityCode"],
    )


def reason(item: dict, signal: str) -> float:
    return next(r["value"] for r in item["reasons"] if r["signal"] == signal)


def ask(client: TestClient, code: str, text: str, **question) -> dict[int, dict]:
    body = {"municipalityCode": code, "text": text, "limit": 50, **question}
    response = client.post(f"{API}/matches", json=body)
    assert response.status_code == 200, response.text
    return {item["contact"]["id"]: item for item in response.json()["items"]}


def test_local_terms_reach_the_matcher(
    client: TestClient,
    admin: Headers,
    broker: Headers,
    municipality,
) -> None:
    unit = client.post(
        f"{API}/units", json=unit_body(name="Team Inkomen", kind="team"), headers=broker
    ).json()["id"]
    debts = client.post(
        f"{API}/contacts",
        json=contact_body(
            unit,
            name="Sara Schouten",
            jobTitle="Schuldhulpverlener",
            themes=[DEBTS],
            areaCodes=["SD0363T"],
            expertise="Schuldhulpverlening en budgetcoaching.",
            publicProfile=True,
        ),
        headers=broker,
    ).json()["id"]
    # The same portfolio in another municipality, which does not get GM0363's words.
    imported = client.post(
        f"{API}/imports",
        json={
            "municipalities": [{"code": "GM0599", "name": "Rotterdam"}],
            "units": [{"key": "u", "municipalityCode": "GM0599", "name": "Team", "kind": "team"}],
            "contacts": [
                {
                    "key": "rob",
                    "unitKey": "u",
                    "name": "Rob Rotterdam",
                    "jobTitle": "Schuldhulpverlener",
                    "email": "r.rotterdam@rotterdam.example",
                    "themes": [DEBTS],
                    "expertise": "Schuldhulpverlening en budgetcoaching.",
                    "consentAt": "2026-01-10T08:00:00Z",
                }
            ],
        },
        headers=admin,
    )
    assert imported.status_code == 201, imported.text
    rob = imported.json()["contacts"]["rob"]

    # Before: "geldlab" means nothing to the matcher: she is not suggested for it, not even
    # in her own area (working there is no reason on its own).
    assert debts not in ask(client, "GM0363", "geldlab", areaCodes=["WK0363TA"])
    assert debts not in ask(client, "GM0363", "geldlab")

    response = put_terms(client, broker, {DEBTS: ["geldlab"]})
    assert response.status_code == 200, response.text

    after = ask(client, "GM0363", "geldlab", areaCodes=["WK0363TA"])
    assert reason(after[debts], "theme") > 0
    assert after[debts]["rank"] == 1
    anywhere = ask(client, "GM0363", "Wij starten een geldlab.")
    assert anywhere[debts]["rank"] == 1
    assert reason(anywhere[debts], "theme") > 0
    # Rotterdam's matcher does not know GM0363's word.
    elsewhere = ask(client, "GM0599", "geldlab")
    assert rob not in elsewhere or reason(elsewhere[rob], "theme") == 0

    # Taking the word away takes its effect away again.
    assert put_terms(client, broker, {}).status_code == 200
    assert debts not in ask(client, "GM0363", "geldlab", areaCodes=["WK0363TA"])
