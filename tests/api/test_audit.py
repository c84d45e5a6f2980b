"""The audit log is written by services, in the change's own transaction: a create of personal
data is never kept without its entry, and no second commit follows the change."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event
from sqlmodel import Session, select

from api.core.identity import Principal
from api.services import audit
from api.services.contacts import create_contact
from api.services.initiatives import create_initiative
from schemas import (
    AuditAction,
    AuditEntry,
    Contact,
    ContactCreate,
    Initiative,
    InitiativeCreate,
    Role,
)
from tests.helpers import API, ImportedMunicipality, contact_body, initiative_body

Headers = dict[str, str]
BROKER = Principal(role=Role.broker, key_id=None, municipality_codes=frozenset({"GM0363"}))


class Crash(Exception):
    """Stands for anything that stops the request between the audit entry and the commit."""


@pytest.fixture
def commits(engine: Engine) -> Iterator[list[set[str]]]:
    """The tables each commit wrote to, in order (from the flushes since the last commit)."""
    done: list[set[str]] = []
    pending: set[str] = set()

    def after_flush(session: Session, _context: object) -> None:
        pending.update(type(o).__tablename__ for o in (*session.new, *session.dirty))

    def after_commit(_session: Session) -> None:
        done.append(set(pending))
        pending.clear()

    event.listen(Session, "after_flush", after_flush)
    event.listen(Session, "after_commit", after_commit)
    try:
        yield done
    finally:
        event.remove(Session, "after_flush", after_flush)
        event.remove(Session, "after_commit", after_commit)


def _creates(engine: Engine, table: type) -> list[AuditEntry]:
    with Session(engine) as session:
        return list(
            session.exec(
                select(AuditEntry).where(
                    AuditEntry.object_type == table.__tablename__,
                    AuditEntry.action == AuditAction.create,
                )
            ).all()
        )


def test_a_contact_and_its_audit_entry_are_committed_together(
    engine: Engine, municipality: ImportedMunicipality, commits: list[set[str]]
) -> None:
    contact_in = ContactCreate.model_validate(contact_body(municipality.units["wonen"]))
    with Session(engine, expire_on_commit=False) as session:
        contact = create_contact(session=session, contact_in=contact_in, principal=BROKER)
    assert [e.object_id for e in _creates(engine, Contact)].count(contact.id) == 1
    # One commit holds both: no window in which the contact exists unaudited.
    assert len(commits) == 1 and {"contact", "audit_entry"} <= commits[0], commits


def test_a_crash_before_the_commit_keeps_neither_the_contact_nor_its_entry(
    engine: Engine, municipality: ImportedMunicipality, monkeypatch: pytest.MonkeyPatch
) -> None:
    def note_then_crash(*args: object, **kwargs: object) -> None:
        real_note(*args, **kwargs)
        raise Crash

    real_note = audit.note
    entries_before = _creates(engine, Contact)  # the directory's import
    monkeypatch.setattr(audit, "note", note_then_crash)
    contact_in = ContactCreate.model_validate(
        contact_body(municipality.units["wonen"], name="Nooit Bewaard")
    )
    with Session(engine) as session, pytest.raises(Crash):
        create_contact(session=session, contact_in=contact_in, principal=BROKER)
    with Session(engine) as session:
        assert session.exec(select(Contact).where(Contact.name == "Nooit Bewaard")).first() is None
    assert len(_creates(engine, Contact)) == len(entries_before)


def test_an_initiative_and_its_audit_entry_are_committed_together(
    engine: Engine, municipality: ImportedMunicipality, commits: list[set[str]]
) -> None:
    initiative_in = InitiativeCreate.model_validate(initiative_body())
    with Session(engine, expire_on_commit=False) as session:
        initiative = create_initiative(
            session=session, initiative_in=initiative_in, principal=BROKER
        )
    assert [e.object_id for e in _creates(engine, Initiative)] == [initiative.id]
    assert len(commits) == 1 and {"initiative", "audit_entry"} <= commits[0], commits


def test_routes_leave_the_audit_log_to_services(
    client: TestClient, broker: Headers, municipality: ImportedMunicipality, commits: list[set[str]]
) -> None:
    """Through the API too: a create is one commit, with its entry."""
    commits.clear()  # the broker's key was issued in a commit of its own
    response = client.post(
        f"{API}/contacts", json=contact_body(municipality.units["wonen"]), headers=broker
    )
    assert response.status_code == 201, response.text
    assert len(commits) == 1 and {"contact", "audit_entry"} <= commits[0], commits
