"""``wegwijs serve`` as a newcomer starts it: on a port that is taken, in a terminal or a pipe,
with ``--demo`` on a database that already has data.

The port and log tests start the real command in a subprocess on 127.0.0.1, each on its own
SQLite file; the demo tests run it in-process with uvicorn replaced, since what they check is
said before the server starts.
"""

import json
import os
import pty
import re
import select
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn
from typer.testing import CliRunner, Result

from api.cli.main import app
from tests.helpers import directory

COMMAND = [sys.executable, "-c", "from api.cli.main import main; main()"]
STARTUP_SECONDS = 30


def _environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The caller's environment without any WEGWIJS_* setting, on a fresh SQLite file."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WEGWIJS_")}
    env.update(
        WEGWIJS_DATABASE_URL=f"sqlite:///{tmp_path / 'wegwijs.db'}",
        WEGWIJS_WEBHOOK_WORKER="false",
        WEGWIJS_INDEX_WARMUP="false",
        **extra,
    )
    return env


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def _listening() -> Iterator[int]:
    """Another program holding a port of 127.0.0.1."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        yield taken.getsockname()[1]


# --- a busy port ------------------------------------------------------------------------


def test_a_busy_port_says_so_with_an_exit_code_of_its_own(tmp_path: Path) -> None:
    with _listening() as port:
        result = subprocess.run(  # noqa: S603 (our own command line)
            [*COMMAND, "serve", "--port", str(port), "--demo"],
            env=_environment(tmp_path),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 4, result
    found = re.search(rf"port {port} is in use; try --port (\d+)\.", result.stderr)
    assert found, result.stderr
    assert int(found[1]) > port
    assert "Wegwijs on" not in result.stdout
    assert "not reachable" not in result.stderr
    # Said before anything else: no database was created, no demo loaded.
    assert not (tmp_path / "wegwijs.db").exists()


def test_the_exit_codes_in_help_include_the_busy_port() -> None:
    result = CliRunner().invoke(app, ["--help"])
    text = " ".join(result.stdout.split())
    assert "4 serve cannot listen on --host/--port" in text
    assert "5 serve stopped while starting" in text


# --- logs: text for a person at a terminal, JSON lines otherwise ------------------------------


def _read_until(fd: int, marker: bytes, process: subprocess.Popen) -> bytes:
    """What the process wrote to ``fd`` until a line with ``marker`` (and that line)."""
    seen = b""
    deadline = time.monotonic() + STARTUP_SECONDS

    def done() -> bool:
        return marker in seen and b"\n" in seen[seen.index(marker) :]

    while not done() and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # the terminal closed: the process ended
                break
            if not chunk:
                break
            seen += chunk
        elif process.poll() is not None:
            break
    assert marker in seen, seen.decode(errors="replace")
    return seen


@contextmanager
def _serving(tmp_path: Path, *, terminal: bool, **env: str) -> Iterator[bytes]:
    """``wegwijs serve`` with its stderr on a terminal (a pty) or a pipe; yields what it wrote
    to stderr until uvicorn said it is listening."""
    port = _free_port()
    if terminal:
        reader, writer = pty.openpty()
    else:
        reader, writer = os.pipe()
    process = subprocess.Popen(  # noqa: S603 (our own command line)
        [*COMMAND, "serve", "--port", str(port)],
        env=_environment(tmp_path, WEGWIJS_LOG_LEVEL="INFO", **env),
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=writer,
        stdin=subprocess.DEVNULL,
    )
    os.close(writer)
    try:
        yield _read_until(reader, b"Uvicorn running on", process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        os.close(reader)


def _lines(output: bytes) -> list[str]:
    return [line for line in output.decode(errors="replace").splitlines() if line.strip()]


def test_a_terminal_gets_text_logs(tmp_path: Path) -> None:
    with _serving(tmp_path, terminal=True) as output:
        lines = _lines(output)
    running = next(line for line in lines if "Uvicorn running on" in line)
    assert not running.lstrip().startswith("{"), lines
    assert re.search(r" INFO uvicorn\.error \[-\] Uvicorn running on http://127\.0\.0\.1", running)


def test_a_pipe_gets_json_lines(tmp_path: Path) -> None:
    with _serving(tmp_path, terminal=False) as output:
        lines = _lines(output)
    entries = [json.loads(line) for line in lines]
    assert any("Uvicorn running on" in entry["message"] for entry in entries)
    assert all(entry["level"] and entry["time"] for entry in entries)


def test_the_setting_still_wins_on_a_terminal(tmp_path: Path) -> None:
    with _serving(tmp_path, terminal=True, WEGWIJS_LOG_FORMAT="json") as output:
        lines = _lines(output)
    entries = [json.loads(line) for line in lines]
    assert any("Uvicorn running on" in entry["message"] for entry in entries)


# --- the demo on a database that has data ------------------------------------------------------

Run = Callable[..., Result]


@pytest.fixture
def serve(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Run]:
    """``wegwijs serve ARGS`` on the test database, with uvicorn.run recorded, not run."""
    monkeypatch.setenv("WEGWIJS_DATABASE_URL", database_url)
    started: list[dict] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: started.append(kwargs))
    runner = CliRunner()

    def _run(*args: object) -> Result:
        started.clear()
        result = runner.invoke(app, ["serve", "--port", str(_free_port()), *map(str, args)])
        result.started = list(started)  # type: ignore[attr-defined]
        return result

    yield _run


def test_serve_demo_says_what_it_did_each_time(serve: Run) -> None:
    first = serve("--demo")
    assert first.exit_code == 0, first.output
    assert first.stdout.splitlines()[0] == "Loaded the demo data."
    again = serve("--demo")
    assert again.exit_code == 0, again.output
    assert again.stdout.splitlines()[0] == "Demo already loaded; nothing changed."
    assert "Wegwijs on http://127.0.0.1:" in again.stdout.splitlines()[1]
    assert len(again.started) == 1  # type: ignore[attr-defined]


def test_serve_demo_on_other_data_says_nothing_changed(
    serve: Run, client, admin, tmp_path: Path
) -> None:
    assert client.post("/api/v1/imports", json=directory(), headers=admin).status_code == 201
    result = serve("--demo")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0].startswith(
        "The database already has other data, so the demo was not loaded; nothing changed"
    )


def test_demo_load_says_the_same(serve: Run, database_url: str) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["demo", "load"]).stdout == "Loaded the demo data.\n"
    assert runner.invoke(app, ["demo", "load"]).stdout == "Demo already loaded; nothing changed.\n"


# --- uvicorn's own start-up failure is not "database not reachable" ----------------------------


def test_a_server_that_stops_while_starting_is_exit_code_5(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WEGWIJS_DATABASE_URL", database_url)

    def fails(*args: object, **kwargs: object) -> None:
        raise SystemExit(3)  # uvicorn's STARTUP_FAILURE

    monkeypatch.setattr(uvicorn, "run", fails)
    result = CliRunner().invoke(app, ["serve", "--port", str(_free_port())])
    assert result.exit_code == 5
    assert "stopped while starting" in result.stderr


def test_a_port_taken_after_the_check_is_still_named(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WEGWIJS_DATABASE_URL", database_url)
    port = _free_port()
    holder = socket.socket()

    def races(*args: object, **kwargs: object) -> None:
        holder.bind(("127.0.0.1", port))  # someone else took it just now
        holder.listen()
        raise SystemExit(3)

    monkeypatch.setattr(uvicorn, "run", races)
    try:
        result = CliRunner().invoke(app, ["serve", "--port", str(port)])
    finally:
        holder.close()
    assert result.exit_code == 4
    assert f"port {port} is in use; try --port" in result.stderr


# --- mail: links lead to the served address -----------------------------------------------


def test_links_in_mails_lead_to_where_it_serves_unless_told_otherwise(tmp_path: Path) -> None:
    """The README's first command plus an SMTP server: a sign-in mail's link opens this
    server (``WEGWIJS_PUBLIC_URL`` unset), sent by the worker of ``wegwijs serve`` itself."""
    import httpx

    from tests.smtp import smtp_server

    with smtp_server() as smtp:
        port = _free_port()
        process = subprocess.Popen(  # noqa: S603 (our own command line)
            [*COMMAND, "serve", "--port", str(port)],
            env=_environment(tmp_path, WEGWIJS_SMTP_URL=smtp.url),
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + STARTUP_SECONDS
            while time.monotonic() < deadline:
                try:
                    if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            asked = httpx.post(
                f"{base}/api/v1/sign-in-links", json={"email": "a@example.org"}, timeout=10
            )
            assert asked.status_code == 202, asked.text
            (received,) = smtp.sink.wait_for("a@example.org")
            assert received.link("/inloggen").startswith(f"{base}/inloggen#")
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
