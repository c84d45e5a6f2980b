"""Parallel writers hold the invariants, on SQLite and on PostgreSQL alike.

Each thread has its own TestClient (its own event loop), so the requests really overlap and
each gets its own session and connection from the pool; a barrier releases them together.
PostgreSQL holds the invariants with a row lock (introductions) and an advisory lock
(imports); SQLite by taking its single write lock first (``BEGIN IMMEDIATE``), see
``api.core.persistence.serialize_writers``.
"""

import threading
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from schemas import Area, Contact, Introduction, Municipality, Unit
from tests.api.conftest import empty_all_tables
from tests.helpers import API, Headers, ImportedMunicipality, directory

THREAD_TIMEOUT_SECONDS = 120


def in_parallel(app: FastAPI, calls: list[Callable[[TestClient], Any]]) -> list[Any]:
    """Run every call at once, each in its own thread with its own client; their results."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            with TestClient(app) as own_client:
                barrier.wait(timeout=30)
                results[index] = calls[index](own_client)
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=THREAD_TIMEOUT_SECONDS)
        assert not thread.is_alive(), "a parallel request hung"
    assert not errors, errors
    return results


def test_many_parallel_requests_never_exceed_a_contacts_capacity(
    app: FastAPI,
    client: TestClient,
    broker: Headers,
    engine: Engine,
    municipality: ImportedMunicipality,
) -> None:
    capacity, requests = 3, 12
    annelies = municipality.contacts["annelies"]
    changed = client.patch(
        f"{API}/contacts/{annelies}", json={"capacityPerMonth": capacity}, headers=broker
    )
    assert changed.status_code == 200, changed.text
    initiatives = []
    for n in range(requests):
        created = client.post(
            f"{API}/initiatives",
            json={
                "municipalityCode": municipality.code,
                "title": f"Buurtplan {n}",
                "description": "Samen de buurt mooier maken met de mensen die er wonen.",
                "initiator": {"name": "Fatima", "email": f"fatima{n}@example.org"},
            },
            headers=broker,
        )
        assert created.status_code == 201, created.text
        initiatives.append(created.json()["id"])

    def ask(initiative_id: int) -> Callable[[TestClient], int]:
        def call(own_client: TestClient) -> int:
            body = {"initiativeId": initiative_id, "contactId": annelies}
            return own_client.post(f"{API}/introductions", json=body, headers=broker).status_code

        return call

    codes = in_parallel(app, [ask(i) for i in initiatives])
    # Exactly the capacity is granted; everyone else hears "full" (never a 5xx).
    assert sorted(codes) == [201] * capacity + [409] * (requests - capacity)
    with engine.connect() as connection:
        stored = connection.execute(
            sa.select(sa.func.count())
            .select_from(Introduction)
            .where(Introduction.contact_id == annelies)
        ).scalar_one()
    assert stored == capacity


def _counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            table.__tablename__: connection.execute(
                sa.select(sa.func.count()).select_from(table)
            ).scalar_one()
            for table in (Municipality, Area, Unit, Contact)
        }


def _overlapping_documents() -> list[dict]:
    """Four directories for one municipality: the same areas, and units and contacts each."""
    documents = []
    for n in range(4):
        document = directory()
        for unit in document["units"]:
            unit["name"] = f"{unit['name']} ({n})"
        documents.append(document)
    return documents


def test_parallel_imports_of_overlapping_directories_equal_a_serial_run(
    app: FastAPI, client: TestClient, admin: Headers, engine: Engine
) -> None:
    documents = _overlapping_documents()
    for document in documents:
        response = client.post(f"{API}/imports", json=document, headers=admin)
        assert response.status_code == 201, response.text
    serial = _counts(engine)
    empty_all_tables(engine)

    def load(document: dict) -> Callable[[TestClient], Any]:
        def call(own_client: TestClient) -> Any:
            return own_client.post(f"{API}/imports", json=document, headers=admin)

        return call

    responses = in_parallel(app, [load(d) for d in documents])
    assert [r.status_code for r in responses] == [201] * len(documents), [r.text for r in responses]
    assert _counts(engine) == serial
    # No import is partial: every contact it reported exists, in a unit it reported.
    with engine.connect() as connection:
        for response in responses:
            body = response.json()
            ids = list(body["contacts"].values())
            units = set(
                connection.execute(sa.select(Contact.unit_id).where(Contact.id.in_(ids))).scalars()
            )
            assert len(ids) == len(directory()["contacts"])
            assert units <= set(body["units"].values())
            assert connection.execute(
                sa.select(sa.func.count()).select_from(Contact).where(Contact.id.in_(ids))
            ).scalar_one() == len(ids)
