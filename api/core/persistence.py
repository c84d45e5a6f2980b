"""Engine, sessions and migrations. Alembic's migrations are the schema's single source.

**Never hang on the database.** A database that stops answering must cost a request seconds,
not minutes. PostgreSQL connections get a connect timeout (``connect_timeout``), a server-side
statement timeout (``options=-c statement_timeout=…``) and TCP keepalives with
``tcp_user_timeout`` (a dead peer or a cut network is noticed by the kernel). None of those
fires when the peer's TCP stack still acknowledges but nothing answers (a frozen server, a
stuck proxy or load balancer): so every wait of a connection on the server is also bounded on
the client (``BoundedConnection``), and a connection taken from the pool is first pinged with
a short bound of its own (``db_ping_timeout_seconds``). A wait past its bound closes the
connection, which SQLAlchemy sees as a disconnect: the request answers 503 and the pool opens a
fresh connection next time, so the service recovers by itself when the database is back.

**Migrations under a lock.** ``upgrade_database`` runs Alembic inside one transaction that
first takes a PostgreSQL advisory lock (SQLite: its write lock, ``BEGIN IMMEDIATE``), so any
number of processes starting at once on a new database all succeed: the first migrates, the
others wait for it and then find the schema at its head.
"""

import hashlib
import logging
import threading
from collections.abc import Iterator
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import NullPool
from sqlmodel import Session

from api.core.settings import Settings

log = logging.getLogger("wegwijs.database")

# The migrations ship inside the package (api/migrations), so an installed wheel finds them.
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
# One advisory lock key for "the schema is being migrated", the same in every process.
MIGRATION_LOCK_KEY = int.from_bytes(hashlib.sha256(b"wegwijs:migrations").digest()[:8], "big") >> 1
# SQLite: how long a process waits for another's migration (a lock, not a hang).
SQLITE_MIGRATION_WAIT_SECONDS = 600


class BoundedConnection(psycopg.Connection):
    """A psycopg connection whose every wait on the server (a query, a fetch, a commit, a
    rollback) gives up after ``wait_limit`` seconds: the connection is closed and the caller
    gets an ``OperationalError``. A frozen server or proxy, whose TCP stack still acknowledges
    what it is sent, is thus noticed after seconds instead of after minutes; closing the
    connection makes SQLAlchemy treat it as a disconnect and leave it out of the pool."""

    wait_limit: float | None = None

    def wait(self, gen: Any, interval: float = 0.1, timeout: float | None = None) -> Any:
        limit = timeout if timeout is not None else self.wait_limit
        try:
            return super().wait(gen, interval=interval, timeout=limit)
        except psycopg.errors._WaitTimeout:
            # The protocol stopped half-way: the connection cannot be used again.
            self.close()
            raise psycopg.OperationalError(
                f"the database did not answer within {limit:g} s; the connection was closed"
            ) from None

    @contextmanager
    def bounded(self, seconds: float) -> Iterator[None]:
        """A tighter bound for the waits inside the block (a ping)."""
        previous, self.wait_limit = self.wait_limit, seconds
        try:
            yield
        finally:
            self.wait_limit = previous


def postgresql_connect_args(settings: Settings) -> dict[str, Any]:
    """libpq parameters: connect timeout, statement timeout, TCP keepalives and a bound on
    unacknowledged data (a cut network is noticed within seconds)."""
    statement_ms = int(settings.db_statement_timeout_seconds * 1000)
    return {
        "connect_timeout": max(2, round(settings.db_connect_timeout_seconds)),
        "options": f"-c statement_timeout={statement_ms}",
        "keepalives": 1,
        "keepalives_idle": settings.db_keepalives_idle_seconds,
        "keepalives_interval": settings.db_keepalives_interval_seconds,
        "keepalives_count": settings.db_keepalives_count,
        "tcp_user_timeout": int(settings.db_tcp_user_timeout_seconds * 1000),
    }


def _bounded_postgresql(engine: Engine, settings: Settings) -> None:
    """Every connection is a ``BoundedConnection``, pinged with a short bound when it leaves
    the pool (instead of SQLAlchemy's unbounded pre-ping)."""
    # The server kills a statement at statement_timeout; a client still waiting a little
    # after that is talking to a server that is not there.
    wait_limit = settings.db_statement_timeout_seconds + settings.db_wait_grace_seconds

    @event.listens_for(engine, "do_connect")
    def _connect(dialect, connection_record, cargs, cparams):  # type: ignore[no-untyped-def]
        connection = BoundedConnection.connect(*cargs, **cparams)
        connection.wait_limit = wait_limit
        return connection

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_connection, connection_record, connection_proxy):  # type: ignore[no-untyped-def]
        try:
            with dbapi_connection.bounded(settings.db_ping_timeout_seconds):
                engine.dialect.do_ping(dbapi_connection)
        except psycopg.Error as exc:
            # The pool drops this connection and opens a new one (bounded by the connect
            # timeout); when that fails too, the request gets the error: a 503.
            raise DisconnectionError(f"ping failed: {type(exc).__name__}") from exc


def create_db_engine(settings: Settings) -> Engine:
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            # SQLite's busy timeout: how long a writer waits for another's write lock.
            connect_args={"check_same_thread": False, "timeout": settings.db_busy_timeout_seconds},
            # No pre-ping: a file has no server that could drop the connection, and a ping is
            # a statement on every checkout (every request).
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            # Foreign keys are off by default in SQLite; WAL lets readers and a writer overlap.
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    engine = create_engine(
        url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout_seconds,
        connect_args=postgresql_connect_args(settings),
        # psycopg (the supported driver) gets the bounded ping below instead.
        pool_pre_ping=url.get_driver_name() != "psycopg",
    )
    if url.get_driver_name() == "psycopg":
        _bounded_postgresql(engine, settings)
    return engine


def new_session(engine: Engine) -> Session:
    """A request's session (it connects when first used, not here)."""
    return Session(engine, expire_on_commit=False)


def session_scope(engine: Engine) -> Iterator[Session]:
    with new_session(engine) as session:
        yield session


def serialize_writers(session: Session, name: str) -> None:
    """Let one transaction at a time past this point for ``name``, until it commits or rolls
    back: for read-check-write steps (count free slots, then insert) that must not interleave.

    PostgreSQL: a transaction-scoped advisory lock on a key derived from ``name``. SQLite has
    one write lock for the whole database: take it now (``BEGIN IMMEDIATE``) instead of at the
    first write, so the reads after this point already see every earlier writer's commit.
    """
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
    elif connection.dialect.name == "sqlite":
        dbapi_connection = connection.connection.dbapi_connection
        # pysqlite opens a transaction only at the first write; one already open holds the
        # write lock already.
        if dbapi_connection is not None and not dbapi_connection.in_transaction:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


def database_is_reachable(engine: Engine) -> bool:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:
        return False
    return True


class ReachabilityProbe:
    """``database_is_reachable`` with an answer within ``timeout`` seconds, whatever the
    database does: the check runs in a thread of its own, and one that is still running is
    shared by the callers that come meanwhile (a probe every second cannot pile up threads
    behind a database that hangs)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._lock = threading.Lock()
        self._pending: Future[bool] | None = None

    def _run(self, future: Future[bool]) -> None:
        future.set_result(database_is_reachable(self._engine))

    def reachable(self, timeout: float) -> bool:
        with self._lock:
            if self._pending is None or self._pending.done():
                self._pending = Future()
                # A daemon thread: a check stuck on a hanging database never delays exit.
                threading.Thread(
                    target=self._run, args=(self._pending,), name="ready-probe", daemon=True
                ).start()
            pending = self._pending
        try:
            return pending.result(timeout=timeout)
        except FutureTimeout:
            return False


def alembic_config(database_url: str) -> Config:
    """Alembic's configuration in code: no alembic.ini is needed where the package is installed
    (the one in the repository is for developers writing migrations)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # ConfigParser treats % as interpolation; URLs may contain percent-encoded passwords.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def _migration_engine(settings: Settings) -> Engine:
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        return create_engine(
            url, poolclass=NullPool, connect_args={"timeout": SQLITE_MIGRATION_WAIT_SECONDS}
        )
    connect_args = postgresql_connect_args(settings)
    # A migration may rewrite large tables and waits for another process's migration: no
    # statement timeout here (the connect timeout and keepalives still hold).
    connect_args.pop("options")
    return create_engine(url, poolclass=NullPool, connect_args=connect_args)


def upgrade_database(settings: Settings) -> None:
    """Bring the schema to the latest migration, one process at a time (see the module
    docstring): safe to run from any number of processes started together."""
    engine = _migration_engine(settings)
    try:
        with engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                # Held until this transaction commits or rolls back; Alembic runs inside it
                # (PostgreSQL's DDL is transactional: all migrations land at once, or none).
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
                )
            elif connection.dialect.name == "sqlite":
                # The database's write lock, taken before Alembic reads the current version.
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            config = alembic_config(settings.database_url)
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
            connection.commit()
    finally:
        engine.dispose()
