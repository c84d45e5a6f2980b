"""Engine, sessions and migrations. Alembic's migrations are the schema's single source."""

import hashlib
from collections.abc import Iterator
from pathlib import Path

from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from alembic import command
from api.settings import Settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_db_engine(settings: Settings) -> Engine:
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, pool_pre_ping=True
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
    return create_engine(
        url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout_seconds,
        pool_pre_ping=True,
        connect_args={"connect_timeout": 5},
    )


def session_scope(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
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


def alembic_config(database_url: str) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "alembic"))
    # ConfigParser treats % as interpolation; URLs may contain percent-encoded passwords.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade_database(settings: Settings) -> None:
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(settings.database_url), "head")
