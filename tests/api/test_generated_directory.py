"""The synthetic directory generator's documents (bench/generate.py) import through the API:
whole, and as the benchmark sends them (the structure first, then contacts in batches)."""

import json

import pytest
from fastapi.testclient import TestClient

from bench.generate import contact_batches, generate, structure
from tests.helpers import API, Headers

DIRECTORY_KEYS = ("municipalities", "areas", "units", "contacts")


@pytest.fixture(scope="module")
def document() -> dict:
    """About 2,000 contacts in two municipalities (generated once for the module)."""
    return generate(contacts=2000, municipalities=2, seed=7, initiatives=12)


def _import_document(document: dict) -> dict:
    return {key: document[key] for key in DIRECTORY_KEYS}


def test_the_document_imports_through_the_api(
    client: TestClient, admin: Headers, document: dict
) -> None:
    body = _import_document(document)
    assert len(json.dumps(body).encode()) > 1024 * 1024  # only the import limit lets it in
    response = client.post(f"{API}/imports", json=body, headers=admin)
    assert response.status_code == 201, response.text
    ids = response.json()["contacts"]
    assert len(ids) == 2000
    total = client.get(f"{API}/contacts", headers=admin).json()["total"]
    assert total == 2000
    # knows became the ids of colleagues in the same unit.
    sample = document["contacts"][::97]
    for contact in sample:
        stored = client.get(f"{API}/contacts/{ids[contact['key']]}", headers=admin).json()
        assert stored["knows"] == [ids[k] for k in contact["knows"]]
    for initiative in document["initiatives"][:3]:
        created = client.post(f"{API}/initiatives", json=initiative, headers=admin)
        assert created.status_code == 201, created.text


def test_batches_import_after_the_structure(
    client: TestClient, admin: Headers, document: dict
) -> None:
    first = client.post(f"{API}/imports", json=structure(document), headers=admin)
    assert first.status_code == 201, first.text
    assert first.json()["contacts"] == {}
    unit_ids = first.json()["units"]
    imported: dict[str, int] = {}
    for batch in contact_batches(document, unit_ids=unit_ids, size=700):
        response = client.post(f"{API}/imports", json=batch, headers=admin)
        assert response.status_code == 201, response.text
        imported |= response.json()["contacts"]
    assert len(imported) == 2000
    assert client.get(f"{API}/contacts", headers=admin).json()["total"] == 2000
    contact = document["contacts"][1234]
    stored = client.get(f"{API}/contacts/{imported[contact['key']]}", headers=admin).json()
    assert stored["unitId"] == unit_ids[contact["unitKey"]]
    assert stored["knows"] == [imported[k] for k in contact["knows"]]
    assert stored["email"] == contact["email"]
