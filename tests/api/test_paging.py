"""Collections: page/pageSize, the page body, a stable order and RFC 8288 Link headers."""

import pytest
from fastapi.testclient import TestClient

from tests.helpers import API, area_body, assert_problem, links, municipality_body

Headers = dict[str, str]
CODES = ["GM0005", "GM0002", "GM0004", "GM0001", "GM0003"]  # created out of order


@pytest.fixture
def five(client: TestClient, admin: Headers) -> list[str]:
    for code in CODES:
        response = client.post(
            f"{API}/municipalities", json=municipality_body(code, f"Gemeente {code}"), headers=admin
        )
        assert response.status_code == 201
    return sorted(CODES)


def test_default_page(client: TestClient, five: list[str]) -> None:
    body = client.get(f"{API}/municipalities").json()
    assert set(body) == {"items", "page", "pageSize", "total"}
    assert body["page"] == 1
    assert body["pageSize"] == 20
    assert body["total"] == 5
    assert [m["code"] for m in body["items"]] == five


def test_pages_split_a_stable_order(client: TestClient, five: list[str]) -> None:
    seen = []
    for page in (1, 2, 3):
        response = client.get(f"{API}/municipalities", params={"page": page, "pageSize": 2})
        body = response.json()
        assert (body["page"], body["pageSize"], body["total"]) == (page, 2, 5)
        seen += [m["code"] for m in body["items"]]
    assert seen == five
    # Asking again gives the same page.
    again = client.get(f"{API}/municipalities", params={"page": 2, "pageSize": 2}).json()
    assert [m["code"] for m in again["items"]] == five[2:4]


def test_link_header_has_first_prev_next_last(client: TestClient, five: list[str]) -> None:
    middle = links(client.get(f"{API}/municipalities", params={"page": 2, "pageSize": 2}))
    assert {rel: link["page"] for rel, link in middle.items()} == {
        "first": "1",
        "prev": "1",
        "next": "3",
        "last": "3",
    }
    assert all(link["pageSize"] == "2" for link in middle.values())
    assert all(link["path"] == f"{API}/municipalities" for link in middle.values())

    first = links(client.get(f"{API}/municipalities", params={"pageSize": 2}))
    assert set(first) == {"first", "next", "last"}
    last = links(client.get(f"{API}/municipalities", params={"page": 3, "pageSize": 2}))
    assert set(last) == {"first", "prev", "last"}
    assert last["prev"]["page"] == "2"


def test_links_keep_the_filters(client: TestClient, admin: Headers, five: list[str]) -> None:
    for code in ("A1", "A2", "A3"):
        client.post(f"{API}/areas", json=area_body(code, "GM0001"), headers=admin)
    client.post(f"{API}/areas", json=area_body("B1", "GM0002"), headers=admin)
    response = client.get(f"{API}/areas", params={"municipalityCode": "GM0001", "pageSize": 2})
    assert response.json()["total"] == 3
    found = links(response)
    assert found["next"]["municipalityCode"] == "GM0001"
    assert found["last"]["page"] == "2"


def test_empty_collection_has_one_page(client: TestClient) -> None:
    response = client.get(f"{API}/municipalities")
    assert response.json() == {"items": [], "page": 1, "pageSize": 20, "total": 0}
    found = links(response)
    assert found["first"]["page"] == found["last"]["page"] == "1"
    assert "next" not in found and "prev" not in found


def test_a_page_past_the_end_is_empty(client: TestClient, five: list[str]) -> None:
    response = client.get(f"{API}/municipalities", params={"page": 9, "pageSize": 2})
    assert response.status_code == 200
    assert response.json()["items"] == []
    assert response.json()["total"] == 5
    found = links(response)
    assert found["prev"]["page"] == "3"
    assert "next" not in found


def test_page_size_100_is_allowed(client: TestClient, five: list[str]) -> None:
    assert client.get(f"{API}/municipalities", params={"pageSize": 100}).status_code == 200


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({"pageSize": 101}, ["pageSize"]),
        ({"pageSize": 0}, ["pageSize"]),
        ({"page": 0}, ["page"]),
        ({"page": -1}, ["page"]),
        ({"page": "two"}, ["page"]),
        ({"page": 2**70}, ["page"]),
        ({"page": 0, "pageSize": 500}, ["page", "pageSize"]),
    ],
)
def test_bad_paging_is_400(client: TestClient, params: dict, names: list[str]) -> None:
    assert_problem(client.get(f"{API}/municipalities", params=params), 400, names=names)


@pytest.mark.parametrize("collection", ["areas", "units", "contacts", "initiatives", "api-keys"])
def test_every_collection_is_paged(
    client: TestClient, admin: Headers, municipality, collection: str
) -> None:
    response = client.get(f"{API}/{collection}", params={"pageSize": 1}, headers=admin)
    assert response.status_code == 200
    body = response.json()
    assert body["pageSize"] == 1
    assert len(body["items"]) <= 1
    assert "first" in links(response)
    assert_problem(
        client.get(f"{API}/{collection}", params={"pageSize": 101}, headers=admin),
        400,
        names=["pageSize"],
    )
