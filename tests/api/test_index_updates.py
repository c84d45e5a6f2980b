"""Workers keep their matching index current in place: a write is applied as the contacts it
changed (``DirectoryChange``), not by building the index again, and workers agree.

Each ``Worker`` is an app with its own index cache, as a separate process has.
"""

import random

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete, select
from sqlmodel import Session

from api.services.matching import MIN_REBUILD_CHANGES, REBUILD_SHARE
from api.services.matching.reads import listed_profiles
from schemas import DirectoryChange, Municipality
from tests.api.test_matches import (  # noqa: F401 - fixtures used by name
    DEBT_QUESTION,
    Debt,
    Headers,
    Worker,
    ask,
    debt,
    first,
    second_app,
)
from tests.helpers import API, ImportedMunicipality, contact_body

CODE = "GM0363"


def held(worker: Worker) -> tuple[int, object]:
    return worker.cache[CODE]


def database_version(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.execute(
            select(Municipality.directory_version).where(Municipality.code == CODE)
        ).scalar_one()


@pytest.fixture
def workers(app: FastAPI, second_app: FastAPI) -> tuple[Worker, Worker]:  # noqa: F811
    return Worker(app), Worker(second_app)


def test_a_contact_change_is_applied_in_place(
    workers: tuple[Worker, Worker],
    broker: Headers,
    debt: Debt,  # noqa: F811
    engine: Engine,
) -> None:
    a, b = workers
    client_a, client_b = TestClient(a), TestClient(b)
    assert first(ask(client_b, text=DEBT_QUESTION, limit=1)) == debt.zuidoost
    _version, index = held(b)

    expertise = {"expertise": "Ukelele-les voor bewoners met geldzorgen."}
    changed = client_a.patch(f"{API}/contacts/{debt.noord}", json=expertise, headers=broker)
    assert changed.status_code == 200, changed.text
    assert ids_of_question(client_b, "ukelele") == [debt.noord]
    assert held(b)[1] is index  # the same index, brought up to date: no build
    assert held(b)[0] == database_version(engine)

    off = client_a.patch(
        f"{API}/contacts/{debt.zuidoost}", json={"available": False}, headers=broker
    )
    assert off.status_code == 200
    assert debt.zuidoost not in ids_of_question(client_b, DEBT_QUESTION)
    assert held(b)[1] is index and str(debt.zuidoost) not in index.position

    assert client_a.delete(f"{API}/contacts/{debt.noord}", headers=broker).status_code == 204
    assert ids_of_question(client_b, "ukelele") == []
    assert held(b)[1] is index and str(debt.noord) not in index.position

    added = client_a.post(
        f"{API}/contacts",
        json=contact_body(
            debt.unit,
            jobTitle="Ukelele-docent",
            expertise="Ukelele voor buurtbewoners.",
            email="u.docent@amsterdam.example",
        ),
        headers=broker,
    )
    assert added.status_code == 201, added.text
    assert ids_of_question(client_b, "ukelele") == [added.json()["id"]]
    assert held(b)[1] is index


def test_a_unit_change_reaches_its_contacts_in_place(
    workers: tuple[Worker, Worker],
    broker: Headers,
    debt: Debt,  # noqa: F811
) -> None:
    a, b = workers
    client_a, client_b = TestClient(a), TestClient(b)
    assert ids_of_question(client_b, "ukelele") == []
    index = held(b)[1]
    renamed = client_a.patch(
        f"{API}/units/{debt.unit}",
        json={"name": "Team Ukelele", "description": "Ukelele en schulden."},
        headers=broker,
    )
    assert renamed.status_code == 200, renamed.text
    assert set(ids_of_question(client_b, "ukelele")) == {debt.zuidoost, debt.noord}
    assert held(b)[1] is index


def test_an_area_change_builds_the_index_anew(
    workers: tuple[Worker, Worker],
    broker: Headers,
    admin: Headers,
    debt: Debt,  # noqa: F811
) -> None:
    a, b = workers
    client_a, client_b = TestClient(a), TestClient(b)
    ask(client_b, text=DEBT_QUESTION)
    index = held(b)[1]
    renamed = client_a.patch(f"{API}/areas/SD0363N", json={"name": "Noord-Oost"}, headers=admin)
    assert renamed.status_code == 200, renamed.text
    ask(client_b, text=DEBT_QUESTION)
    assert held(b)[1] is not index
    assert held(b)[1].areas["SD0363N"].name == "Noord-Oost"


def test_a_gap_in_the_change_log_builds_the_index_anew(
    workers: tuple[Worker, Worker],
    broker: Headers,
    debt: Debt,  # noqa: F811
    engine: Engine,
) -> None:
    a, b = workers
    client_a, client_b = TestClient(a), TestClient(b)
    ask(client_b, text=DEBT_QUESTION)
    index = held(b)[1]
    expertise = {"expertise": "Ukelele-les voor bewoners met geldzorgen."}
    assert client_a.patch(f"{API}/contacts/{debt.noord}", json=expertise, headers=broker).is_success
    with engine.begin() as connection:  # as if pruned: the step is no longer known
        connection.execute(delete(DirectoryChange))
    assert ids_of_question(client_b, "ukelele") == [debt.noord]
    assert held(b)[1] is not index


def test_many_changes_at_once_build_the_index_anew(
    workers: tuple[Worker, Worker],
    broker: Headers,
    admin: Headers,
    debt: Debt,  # noqa: F811
) -> None:
    a, b = workers
    client_a, client_b = TestClient(a), TestClient(b)
    ask(client_b, text=DEBT_QUESTION)
    index = held(b)[1]
    contacts = [
        {
            "key": f"c{i}",
            "unitId": debt.unit,
            "name": f"Collega {i}",
            "jobTitle": "Ukelele-docent",
            "email": f"collega{i}@amsterdam.example",
            "expertise": "Ukelele voor buurtbewoners.",
            "themes": ["cultuur"],
            "consentAt": "2026-01-10T08:00:00Z",
        }
        for i in range(max(MIN_REBUILD_CHANGES + 1, int(REBUILD_SHARE * index.size) + 1))
    ]
    imported = client_a.post(f"{API}/imports", json={"contacts": contacts}, headers=admin)
    assert imported.status_code == 201, imported.text
    # (Most of this small directory now teaches the ukelele: the word alone says little
    # here, its theme does.)
    assert len(ids_of_question(client_b, "muziekles op de ukelele", limit=50)) == 50
    assert held(b)[1] is not index


def test_workers_agree_after_many_writes(
    app: FastAPI,
    second_app: FastAPI,  # noqa: F811
    broker: Headers,
    debt: Debt,  # noqa: F811
) -> None:
    """Two workers that kept up in place, and a third that builds from scratch at the end,
    answer every question the same (scores and order)."""
    a, b = Worker(app), Worker(second_app)
    client_a, client_b = TestClient(a), TestClient(b)
    questions = [
        {"text": DEBT_QUESTION},
        {"text": DEBT_QUESTION, "areaCodes": ["SD0363N"]},
        {"text": "moestuin in de buurt", "needs": [{"kind": "space"}]},
        {"text": "jongeren en sport", "themes": ["jeugd"]},
    ]
    for question in questions:
        ask(client_a, **question)
        ask(client_b, **question)
    rng = random.Random(20261123)
    contacts = [debt.zuidoost, debt.noord, debt.unavailable, debt.unconsented]
    changes = [
        {"available": True},
        {"available": False},
        {"openToInitiatives": False},
        {"capacityPerMonth": 1},
        {"areaCodes": ["SD0363N"]},
        {"areaCodes": ["WK0363TA"]},
        {"themes": ["jeugd", "sport"]},
        {"expertise": "Schulden, jongeren en sport in de buurt."},
        {"consentAt": "2026-02-01T09:00:00Z"},
    ]
    for step in range(30):
        writer = client_a if step % 2 else client_b
        contact = rng.choice(contacts)
        change = rng.choice(changes)
        response = writer.patch(f"{API}/contacts/{contact}", json=change, headers=broker)
        assert response.status_code == 200, response.text
        question = rng.choice(questions)
        assert ask(client_a, **question) == ask(client_b, **question)
    fresh = TestClient(Worker(app))
    for question in questions:
        assert ask(client_a, **question) == ask(client_b, **question) == ask(fresh, **question)


def ids_of_question(client: TestClient, text: str, limit: int = 10) -> list[int]:
    return [item["contact"]["id"] for item in ask(client, text=text, limit=limit)]


def test_streaming_the_contacts_leaves_the_transaction_as_it_was(
    engine: Engine, municipality: ImportedMunicipality
) -> None:
    """The build reads contacts in batches (yield_per); that option belongs to that one
    statement: on the connection it would hold for every later statement of the transaction
    (a server-side cursor each on PostgreSQL)."""
    with Session(engine) as session:
        assert listed_profiles(session, municipality.code)
        assert "yield_per" not in session.connection().get_execution_options()
        assert session.connection().execute(select(Municipality.code)).all()
