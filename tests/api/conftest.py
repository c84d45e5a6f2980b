"""The API's test infrastructure: one migrated database and one app per session, emptied
after each test. Only the tests under tests/api need it; the engine's tests (tests/matching)
and the others import neither the app nor a database.

The database is ``TEST_DATABASE_URL`` when set (PostgreSQL in CI), else a fresh SQLite file.
The schema comes from the Alembic migrations only, exactly as in production.
"""

import os
import secrets
from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.engine import make_url

import schemas
from api.core.persistence import upgrade_database
from api.core.settings import Settings
from api.http.app import create_app
from api.services.mail_delivery import deliver_due
from tests.helpers import API, INITIATOR_EMAIL, Headers, ImportedMunicipality, directory
from tests.smtp import SmtpServer, smtp_server

TEST_MUNICIPALITIES = ("GM0363", "GM0599")
GENEROUS_RATE_LIMITS = {
    f"rate_limit_{who}": 1_000_000
    for who in (
        "anonymous",
        "anonymous_matches",
        "portal",
        "initiator",
        "contact",
        "broker",
        "admin",
        "failed_keys",
        "sign_in_email",
        "sign_in_client",
    )
}


def _reset_database(url: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        if make_url(url).get_backend_name() != "postgresql":
            raise pytest.UsageError("TEST_DATABASE_URL must be a PostgreSQL URL")
        _reset_database(url)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'wegwijs-test.db'}"
    upgrade_database(Settings(database_url=url))
    return url


@pytest.fixture(scope="session")
def admin_token() -> str:
    return "test-admin-" + secrets.token_urlsafe(24)


@pytest.fixture(scope="session")
def settings(database_url: str, admin_token: str) -> Settings:
    # No background webhook or mail worker: tests deliver with deliver_due() on their own clock.
    return Settings(
        database_url=database_url,
        admin_token=admin_token,
        log_level="WARNING",
        webhook_worker=False,
        mail_worker=False,
        public_url="https://wegwijs.test",
        # Indexes are built on first use: most tests change the directory before matching.
        index_warmup=False,
        # The whole suite calls from one address within minutes: generous limits, still counted
        # (tests/api/test_rate_limits.py tests the production defaults and small limits).
        **GENEROUS_RATE_LIMITS,
        # Webhook receivers in the tests listen on 127.0.0.1 (tests/api/test_webhooks.py tests
        # the refusal with this off, the default).
        webhook_allow_private_targets=True,
    )


@pytest.fixture(scope="session")
def app(settings: Settings) -> Iterator[FastAPI]:
    application = create_app(settings)
    yield application
    application.state.engine.dispose()


@pytest.fixture(scope="session")
def engine(app: FastAPI) -> Engine:
    return app.state.engine


@pytest.fixture(scope="session")
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


def empty_all_tables(engine: Engine) -> None:
    tables = [t for t in schemas.metadata.sorted_tables if t.name != "alembic_version"]
    quote = engine.dialect.identifier_preparer.quote
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            names = ", ".join(quote(t.name) for t in tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            return
        for table in reversed(tables):
            connection.execute(table.delete())
        if inspect(connection).has_table("sqlite_sequence"):
            connection.execute(text("DELETE FROM sqlite_sequence"))


@pytest.fixture(autouse=True)
def _clean_database(engine: Engine) -> Iterator[None]:
    """Every test starts with empty tables, whatever the previous one left behind."""
    yield
    empty_all_tables(engine)


@pytest.fixture
def admin(admin_token: str) -> Headers:
    return {"Authorization": f"Bearer {admin_token}"}


@pytest.fixture
def make_key(client: TestClient, admin: Headers) -> Callable[..., Headers]:
    """Issue a key through the API, as an admin would; returns its Authorization header."""

    def _make(
        role: str, subject: str | None = None, municipality_codes: list[str] | None = None
    ) -> Headers:
        if municipality_codes is None and role in ("broker", "portal"):
            # The test municipality and the one tests add (tests.helpers.municipality_body).
            municipality_codes = list(TEST_MUNICIPALITIES)
        body = {"role": role, "subject": subject, "municipalityCodes": municipality_codes or []}
        response = client.post(f"{API}/api-keys", json=body, headers=admin)
        assert response.status_code == 201, response.text
        return {"Authorization": f"Bearer {response.json()['token']}"}

    return _make


@pytest.fixture
def broker(make_key: Callable[..., Headers]) -> Headers:
    return make_key("broker", "innovatiebureau")


@pytest.fixture
def initiator(make_key: Callable[..., Headers]) -> Headers:
    return make_key("initiator", INITIATOR_EMAIL)


@pytest.fixture
def municipality(client: TestClient, admin: Headers) -> ImportedMunicipality:
    response = client.post(f"{API}/imports", json=directory(), headers=admin)
    assert response.status_code == 201, response.text
    body = response.json()
    return ImportedMunicipality(code="GM0363", units=body["units"], contacts=body["contacts"])


@pytest.fixture
def contact_key(make_key: Callable[..., Headers], municipality: ImportedMunicipality) -> Headers:
    """A key acting for Annelies (consented, public profile, unit ``wonen``)."""
    return make_key("contact", str(municipality.contacts["annelies"]))


@pytest.fixture
def portal(make_key: Callable[..., Headers]) -> Headers:
    """A municipal portal's key, for GM0363 (and GM0599, as the broker's)."""
    return make_key("portal", "bewonersportaal")


@pytest.fixture
def role_headers(
    admin: Headers, broker: Headers, contact_key: Headers, initiator: Headers, portal: Headers
) -> dict[str, Headers]:
    return {
        "anonymous": {},
        "admin": admin,
        "broker": broker,
        "contact": contact_key,
        "initiator": initiator,
        "portal": portal,
    }


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives."""
    with smtp_server() as server:
        yield server


@pytest.fixture
def mail_settings(settings: Settings, smtp: SmtpServer) -> Settings:
    """The test app's settings with the test SMTP server (for ``deliver_due``)."""
    return settings.model_copy(update={"smtp_url": SecretStr(smtp.url)})


@pytest.fixture
def send_mail(engine: Engine, mail_settings: Settings) -> Callable[..., int]:
    """Deliver the outbox to the test SMTP server now, as the mail worker would; returns how
    many mails were attempted."""

    def _send(now=None) -> int:  # type: ignore[no-untyped-def]
        total = 0
        for _ in range(100):  # batches, until a round finds nothing due
            attempted = deliver_due(engine=engine, settings=mail_settings, now=now)
            total += attempted
            if attempted == 0:
                return total
        raise AssertionError("the outbox never emptied")

    return _send
