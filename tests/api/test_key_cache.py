"""Verified keys are remembered per process for ``key_cache_seconds``: a revocation written by
another process takes effect here within that time; one made here, at once."""

import time
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from api.services import key_cache
from tests.helpers import API, ImportedMunicipality

Headers = dict[str, str]


def _revoke_elsewhere(engine: Engine) -> None:
    """As another worker process would: in the database, unseen by this process's ORM."""
    with engine.begin() as connection:
        connection.execute(text("UPDATE api_key SET revoked_at = CURRENT_TIMESTAMP"))


def test_a_key_revoked_elsewhere_stops_working_within_the_interval(
    client: TestClient,
    engine: Engine,
    broker: Headers,
    municipality: ImportedMunicipality,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert client.get(f"{API}/contacts", headers=broker).status_code == 200
    _revoke_elsewhere(engine)
    # Still trusted for the few seconds this process remembers the key.
    assert client.get(f"{API}/contacts", headers=broker).status_code == 200
    later = time.monotonic() + 5.1  # the default key_cache_seconds has passed
    monkeypatch.setattr(key_cache.time, "monotonic", lambda: later)
    assert client.get(f"{API}/contacts", headers=broker).status_code == 401


def test_a_contacts_key_is_looked_up_every_time(
    client: TestClient, engine: Engine, contact_key: Headers
) -> None:
    assert client.get(f"{API}/contacts", headers=contact_key).status_code == 200
    _revoke_elsewhere(engine)
    assert client.get(f"{API}/contacts", headers=contact_key).status_code == 401


def test_a_revocation_in_this_process_takes_effect_at_once(
    client: TestClient,
    admin: Headers,
    make_key: Callable[..., Headers],
    municipality: ImportedMunicipality,
) -> None:
    portal = make_key("portal", "bewonersportaal")
    assert client.get(f"{API}/units", headers=portal).status_code == 200
    keys = client.get(f"{API}/api-keys", headers=admin).json()["items"]
    key_id = next(k["id"] for k in keys if k["role"] == "portal")
    assert client.delete(f"{API}/api-keys/{key_id}", headers=admin).status_code == 204
    assert client.get(f"{API}/units", headers=portal).status_code == 401
