"""Start-up: many processes migrating at once, `serve --no-migrate`, the warning for several
workers without shared rate limits, and background workers while the database is away."""

import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import OperationalError
from typer.testing import CliRunner

from api.cli import main as cli
from api.cli import serve as cli_serve
from api.core.persistence import alembic_config
from api.core.settings import Settings
from api.services import webhook_delivery
from api.services.webhook_delivery import WebhookWorker

WEGWIJS = Path(sys.executable).with_name("wegwijs")
PROCESSES = 6


def _head(url: str) -> str:
    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


def test_many_processes_migrate_a_new_sqlite_file_at_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'var' / 'new.db'}"
    env = {**os.environ, "WEGWIJS_DATABASE_URL": url, "WEGWIJS_LOG_LEVEL": "WARNING"}
    started = [
        subprocess.Popen(  # noqa: S603 (our own command line)
            [str(WEGWIJS), "db", "upgrade"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(PROCESSES)
    ]
    for process in started:
        stdout, stderr = process.communicate(timeout=120)
        assert process.returncode == 0, stderr
        assert "Traceback" not in stderr
        assert "Database schema is up to date." in stdout
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            versions = connection.execute(text("SELECT version_num FROM alembic_version"))
            assert versions.scalars().all() == [_head(url)]
    finally:
        engine.dispose()


@pytest.fixture
def serve(monkeypatch: pytest.MonkeyPatch) -> list[dict]:
    """`wegwijs serve` up to the moment it would start uvicorn (recorded, not run)."""
    import uvicorn

    calls: list[dict] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: calls.append(kwargs))
    monkeypatch.setattr(cli_serve, "get_settings", Settings)  # read the environment of this test
    return calls


def test_serve_no_migrate_leaves_the_schema_to_a_separate_step(
    serve: list[dict], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = tmp_path / "fresh.db"
    monkeypatch.setenv("WEGWIJS_DATABASE_URL", f"sqlite:///{database}")
    result = CliRunner().invoke(cli.app, ["serve", "--no-migrate"])
    assert result.exit_code == 0, result.output
    assert len(serve) == 1
    assert not database.exists()  # nothing was created or migrated
    result = CliRunner().invoke(cli.app, ["serve"])
    assert result.exit_code == 0, result.output
    engine = create_engine(f"sqlite:///{database}")
    try:
        assert "alembic_version" in inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_several_workers_without_redis_are_warned_about(
    serve: list[dict], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WEGWIJS_DATABASE_URL", f"sqlite:///{tmp_path / 'w.db'}")
    monkeypatch.delenv("WEGWIJS_RATE_LIMIT_REDIS_URL", raising=False)
    monkeypatch.setattr("api.core.metrics.prepare_multiprocess_dir", lambda workers: None)
    runner = CliRunner()

    warned = runner.invoke(cli.app, ["serve", "--no-migrate", "--workers", "3"])
    assert warned.exit_code == 0, warned.output
    message = " ".join(warned.stderr.split())
    assert "3 workers without WEGWIJS_RATE_LIMIT_REDIS_URL" in message
    assert "up to 3 times the configured limits" in message

    one = runner.invoke(cli.app, ["serve", "--no-migrate", "--workers", "1"])
    assert "RATE_LIMIT_REDIS_URL" not in one.stderr
    monkeypatch.setenv("WEGWIJS_RATE_LIMIT_REDIS_URL", "redis://127.0.0.1:6379/0")
    shared = runner.invoke(cli.app, ["serve", "--no-migrate", "--workers", "3"])
    assert "RATE_LIMIT_REDIS_URL" not in shared.stderr
    assert [call["workers"] for call in serve] == [3, 1, 3]


# Background workers while the database is away.


def _worker_settings(**changes: object) -> Settings:
    return Settings(
        database_url="postgresql+psycopg://postgres@127.0.0.1:1/nowhere",
        webhook_poll_seconds=0.02,
        worker_backoff_initial_seconds=0.02,
        worker_backoff_max_seconds=0.1,
        **changes,
    )


def test_a_worker_logs_one_line_when_the_database_goes_and_one_when_it_is_back(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    settings = _worker_settings()
    down = {"rounds": 0}

    def deliver(**_: object) -> int:
        if down["rounds"] < 15:
            down["rounds"] += 1
            raise OperationalError("SELECT 1", {}, ConnectionRefusedError("refused"))
        return 0

    monkeypatch.setattr(webhook_delivery, "deliver_due", deliver)
    caplog.set_level(logging.INFO, logger="wegwijs")
    worker = WebhookWorker(engine=None, settings=settings)  # type: ignore[arg-type]
    worker.start()
    deadline = time.monotonic() + 10
    while down["rounds"] < 15 or not any("again" in r.getMessage() for r in caplog.records):
        assert time.monotonic() < deadline, [r.getMessage() for r in caplog.records]
        time.sleep(0.02)
    worker.stop()
    lines = [r for r in caplog.records if r.name.startswith("wegwijs")]
    assert [r.levelname for r in lines] == ["WARNING", "WARNING"], [r.getMessage() for r in lines]
    assert "not reachable" in lines[0].getMessage()
    assert "reachable again" in lines[1].getMessage()
    assert all(r.exc_info is None for r in lines)  # no traceback


def test_a_worker_against_an_unreachable_database_backs_off_quietly(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A real engine on a port where nothing listens: one line, however many rounds."""
    from api.core.persistence import create_db_engine

    settings = _worker_settings()
    engine = create_db_engine(settings)
    caplog.set_level(logging.INFO, logger="wegwijs")
    worker = WebhookWorker(engine=engine, settings=settings)
    try:
        worker.start()
        time.sleep(1.5)  # about 20 rounds at the back-off's maximum of 0.1 s
    finally:
        worker.stop()
        engine.dispose()
    lines = [r for r in caplog.records if r.name.startswith("wegwijs")]
    assert len(lines) == 1, [r.getMessage() for r in lines]
    assert "not reachable" in lines[0].getMessage()
    assert lines[0].exc_info is None
