"""Faults against a real PostgreSQL: the database goes away and comes back, the server is
killed with SIGKILL. Everything is bounded in time: a fault must never turn into a hang.

The tests never touch the shared cluster on 5432: they create their own cluster
``wegwijs_faults`` on port 5439 (``pg_createcluster``; needs root, or the postgres user),
stop and start it at will, and drop it at the end. Without ``pg_createcluster`` they stop and
start the main cluster only when ``WEGWIJS_FAULT_TESTS_MAY_STOP_MAIN=1`` says that is fine, and
otherwise fail saying so (they are never skipped silently).
"""

import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from alembic.script import ScriptDirectory
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from api.core.persistence import alembic_config, upgrade_database
from api.core.settings import Settings
from api.http.app import create_app
from tests.helpers import API, PROBLEM_JSON

CLUSTER, PORT = "wegwijs_faults", 5439
COMMAND_TIMEOUT_SECONDS = 90
# A request while the database is down must answer (503) well within this.
ANSWER_WITHIN_SECONDS = 10.0
RECOVER_WITHIN_SECONDS = 60.0
TOKEN = "faults-admin-token-0123456789"


@dataclass
class FaultCluster:
    version: str
    name: str
    port: int
    url: str

    def _ctl(self, action: str, check: bool = True) -> int:
        return _run(
            "pg_ctlcluster",
            "--skip-systemctl-redirect",
            self.version,
            self.name,
            action,
            check=check,
        ).returncode

    def running(self) -> bool:
        return self._ctl("status", check=False) == 0

    def stop(self) -> None:
        if self.running():
            self._ctl("stop")

    def start(self) -> None:
        if not self.running():
            self._ctl("start")
        deadline = time.monotonic() + COMMAND_TIMEOUT_SECONDS
        while not _accepts_connections(self.port):
            assert time.monotonic() < deadline, f"cluster {self.name} did not come back"
            time.sleep(0.2)


def _run(*command: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """A PostgreSQL tool, by its absolute path, bounded in time."""
    executable = shutil.which(command[0])
    if executable is None:
        pytest.fail(f"{command[0]} is not installed (needed by the fault tests).")
    return subprocess.run(  # noqa: S603 (our own command line)
        [executable, *command[1:]],
        check=check,
        timeout=COMMAND_TIMEOUT_SECONDS,
        capture_output=True,
        text=True,
    )


def _accepts_connections(port: int) -> bool:
    return _run("pg_isready", "-h", "127.0.0.1", "-p", str(port), check=False).returncode == 0


def _installed_version() -> str:
    versions = sorted(os.listdir("/etc/postgresql"), key=lambda v: float(v))
    if not versions:
        pytest.fail("No PostgreSQL installation under /etc/postgresql for the fault tests.")
    return versions[-1]


def _psql(port: int, sql: str) -> None:
    _run("psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-c", sql)


@pytest.fixture(scope="module")
def cluster() -> Iterator[FaultCluster]:
    if shutil.which("pg_createcluster") is None:
        if os.environ.get("WEGWIJS_FAULT_TESTS_MAY_STOP_MAIN") != "1":
            pytest.fail(
                "The fault tests need pg_createcluster (Debian's postgresql-common) to make a "
                "cluster of their own. Install it, or set WEGWIJS_FAULT_TESTS_MAY_STOP_MAIN=1 "
                "to let them stop and start the main cluster on 5432 (never on a shared host)."
            )
        main = FaultCluster(
            _installed_version(), "main", 5432, "postgresql+psycopg://postgres@127.0.0.1:5432/"
        )
        _psql(5432, "DROP DATABASE IF EXISTS wegwijs_faults WITH (FORCE)")
        _psql(5432, "CREATE DATABASE wegwijs_faults")
        main.url += "wegwijs_faults"
        yield main
        main.start()
        return
    version = _installed_version()
    existing = _run("pg_lsclusters", "--no-header").stdout
    if not any(line.split()[:2] == [version, CLUSTER] for line in existing.splitlines()):
        _run("pg_createcluster", version, CLUSTER, "-p", str(PORT), "--", "--auth=trust")
    faults = FaultCluster(
        version, CLUSTER, PORT, f"postgresql+psycopg://postgres@127.0.0.1:{PORT}/wegwijs_faults"
    )
    try:
        faults.start()
        _psql(PORT, "DROP DATABASE IF EXISTS wegwijs_faults WITH (FORCE)")
        _psql(PORT, "CREATE DATABASE wegwijs_faults")
        upgrade_database(Settings(database_url=faults.url))
        yield faults
    finally:
        _run("pg_dropcluster", "--stop", version, CLUSTER, check=False)


@pytest.fixture
def fault_client(cluster: FaultCluster) -> Iterator[TestClient]:
    cluster.start()
    upgrade_database(Settings(database_url=cluster.url))
    settings = Settings(
        database_url=cluster.url, admin_token=TOKEN, log_level="ERROR", webhook_worker=False
    )
    app = create_app(settings)
    try:
        with TestClient(app) as client:
            yield client
    finally:
        cluster.start()  # whatever the test did, leave it running
        app.state.engine.dispose()


ADMIN = {"Authorization": f"Bearer {TOKEN}"}


def _timed(call) -> tuple[httpx.Response, float]:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def test_requests_answer_503_quickly_while_the_database_is_down_then_recover(
    cluster: FaultCluster, fault_client: TestClient
) -> None:
    client = fault_client
    created = client.post(
        f"{API}/municipalities", json={"code": "GM0599", "name": "Rotterdam"}, headers=ADMIN
    )
    assert created.status_code in (201, 409), created.text
    assert client.get("/ready").status_code == 200

    cluster.stop()
    try:
        calls = {
            "ready": lambda: client.get("/ready"),
            "read one": lambda: client.get(f"{API}/municipalities/GM0599"),
            "read many": lambda: client.get(f"{API}/units?municipalityCode=GM0599"),
            "write": lambda: client.post(
                f"{API}/municipalities", json={"code": "GM0600", "name": "X"}, headers=ADMIN
            ),
            "patch": lambda: client.patch(
                f"{API}/municipalities/GM0599", json={"name": "Y"}, headers=ADMIN
            ),
            # A key that is not the admin token is looked up in the database.
            "key lookup": lambda: client.get(
                f"{API}/contacts", headers={"Authorization": "Bearer not-a-stored-key"}
            ),
        }
        for name, call in calls.items():
            for _attempt in range(2):  # a dead pooled connection, then a fresh refusal
                response, seconds = _timed(call)
                assert response.status_code == 503, (name, response.status_code, response.text)
                assert response.headers["content-type"].startswith(PROBLEM_JSON), name
                assert response.json()["status"] == 503
                assert response.headers.get("Retry-After"), name
                assert seconds < ANSWER_WITHIN_SECONDS, (name, seconds)
    finally:
        cluster.start()

    # Back without a restart of the app: the pool drops its dead connections itself.
    deadline = time.monotonic() + RECOVER_WITHIN_SECONDS
    while client.get("/ready").status_code != 200:
        assert time.monotonic() < deadline, "the service did not recover"
        time.sleep(0.5)
    assert client.get(f"{API}/municipalities/GM0599").status_code == 200
    patched = client.patch(f"{API}/municipalities/GM0599", json={"name": "Rdam"}, headers=ADMIN)
    assert patched.status_code == 200, patched.text


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_server(url: str, port: int) -> subprocess.Popen:
    wegwijs = Path(sys.executable).with_name("wegwijs")
    env = {
        **os.environ,
        "WEGWIJS_DATABASE_URL": url,
        "WEGWIJS_ADMIN_TOKEN": TOKEN,
        "WEGWIJS_WEBHOOK_WORKER": "false",
        "WEGWIJS_LOG_LEVEL": "WARNING",
    }
    process = subprocess.Popen(  # noqa: S603 (our own command line)
        [str(wegwijs), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while True:
        assert process.poll() is None, "wegwijs serve exited"
        try:
            if httpx.get(f"http://127.0.0.1:{port}/ready", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, "wegwijs serve did not become ready"
        time.sleep(0.2)


def _kill(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def test_a_killed_server_loses_no_committed_write(cluster: FaultCluster) -> None:
    cluster.start()
    writes = 25
    port = _free_port()
    server = _start_server(cluster.url, port)
    base = f"http://127.0.0.1:{port}{API}"
    codes = [f"GM{9000 + n}" for n in range(writes)]
    try:
        with httpx.Client(timeout=ANSWER_WITHIN_SECONDS) as http:
            for code in codes:
                http.delete(f"{base}/municipalities/{code}", headers=ADMIN)  # from a prior run
            for code in codes:
                response = http.post(
                    f"{base}/municipalities", json={"code": code, "name": code}, headers=ADMIN
                )
                assert response.status_code == 201, response.text
        # SIGKILL: no shutdown hook, no flush; only what the database committed remains.
        _kill(server)
        server = _start_server(cluster.url, port)
        with httpx.Client(timeout=ANSWER_WITHIN_SECONDS) as http:
            missing = [
                code
                for code in codes
                if http.get(f"{base}/municipalities/{code}").status_code != 200
            ]
        assert missing == []
    finally:
        _kill(server)


# A database that stops answering without closing anything: a frozen TCP proxy.


class FreezableProxy:
    """A TCP proxy on 127.0.0.1 in front of PostgreSQL that can be frozen: it then stops
    forwarding in both directions and holds new connections, without closing or resetting
    anything, as a hung server, a stuck load balancer or a paused VM would. Its own kernel
    keeps acknowledging what the service sends, so no TCP timeout on the service's side ever
    fires: only timeouts of the service's own can end a wait."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.running = threading.Event()  # set: forwarding; clear: frozen
        self.running.set()
        self.closed = threading.Event()
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def freeze(self) -> None:
        self.running.clear()

    def unfreeze(self) -> None:
        self.running.set()

    def close(self) -> None:
        self.closed.set()
        self.running.set()
        self.listener.close()
        with self.lock:
            for sock in self.sockets:
                sock.close()

    def _accept(self) -> None:
        while not self.closed.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._connect, args=(client,), daemon=True).start()

    def _connect(self, client: socket.socket) -> None:
        self.running.wait()  # frozen: the connection is accepted but nothing happens
        if self.closed.is_set():
            client.close()
            return
        upstream = socket.create_connection(("127.0.0.1", self.target_port))
        with self.lock:
            self.sockets += [client, upstream]
        for source, target in ((client, upstream), (upstream, client)):
            threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while not self.closed.is_set():
                self.running.wait()
                readable, _, _ = select.select([source], [], [], 0.05)
                if not readable or not self.running.is_set():
                    continue  # frozen between the wait and the read: leave the bytes queued
                data = source.recv(65536)
                if not data:
                    target.shutdown(socket.SHUT_WR)
                    return
                self.running.wait()
                target.sendall(data)
        except OSError:
            return


# Every request answers within this while the database is frozen; /ready within its own bound.
FROZEN_ANSWER_WITHIN_SECONDS = 5.0
FROZEN_READY_WITHIN_SECONDS = 1.0
# A call that has not answered by then hangs: the test fails instead of hanging with it.
HANG_SECONDS = 30.0
_callers = ThreadPoolExecutor(max_workers=32, thread_name_prefix="frozen-caller")


def _timed_or_hung(call) -> tuple[httpx.Response, float]:  # type: ignore[no-untyped-def]
    future = _callers.submit(_timed, call)
    try:
        return future.result(timeout=HANG_SECONDS)
    except FutureTimeout:
        pytest.fail(f"no answer within {HANG_SECONDS:g} s: the request hangs")


def test_a_frozen_database_costs_seconds_not_minutes_then_the_service_recovers(
    cluster: FaultCluster,
) -> None:
    cluster.start()
    proxy = FreezableProxy(cluster.port)
    url = f"postgresql+psycopg://postgres@127.0.0.1:{proxy.port}/wegwijs_faults"
    settings = Settings(
        database_url=url,
        admin_token=TOKEN,
        log_level="ERROR",
        webhook_worker=False,
        index_warmup=False,
        rate_limit_enabled=False,
    )
    app = create_app(settings)
    timings: dict[str, float] = {}
    try:
        with TestClient(app) as client:
            client.delete(f"{API}/municipalities/GM0600", headers=ADMIN)  # from a prior run
            answer = client.post(
                f"{API}/municipalities", json={"code": "GM0599", "name": "Rotterdam"}, headers=ADMIN
            )
            assert answer.status_code in (201, 409), answer.text
            # Several connections open in the pool, as on a busy server.
            with ThreadPoolExecutor(max_workers=4) as pool:
                warm = list(pool.map(lambda _: client.get(f"{API}/units"), range(8)))
            assert {response.status_code for response in warm} == {200}
            assert app.state.engine.pool.checkedin() >= 2
            assert client.get("/ready").status_code == 200

            proxy.freeze()
            try:
                calls = {
                    "read one": lambda: client.get(f"{API}/municipalities/GM0599"),
                    "read many": lambda: client.get(f"{API}/units?municipalityCode=GM0599"),
                    "write": lambda: client.post(
                        f"{API}/municipalities", json={"code": "GM0600", "name": "X"}, headers=ADMIN
                    ),
                    "patch": lambda: client.patch(
                        f"{API}/municipalities/GM0599", json={"name": "Y"}, headers=ADMIN
                    ),
                    "key lookup": lambda: client.get(
                        f"{API}/contacts", headers={"Authorization": "Bearer not-a-stored-key"}
                    ),
                    "match": lambda: client.post(
                        f"{API}/matches",
                        json={"municipalityCode": "GM0599", "text": "Een moestuin"},
                    ),
                }
                for _round in range(2):  # the pooled connections first, then fresh ones
                    response, seconds = _timed_or_hung(lambda: client.get("/ready"))
                    timings["ready"] = max(timings.get("ready", 0), seconds)
                    assert response.status_code == 503, response.text
                    assert response.headers["content-type"].startswith(PROBLEM_JSON)
                    assert response.headers.get("Retry-After")
                    assert seconds < FROZEN_READY_WITHIN_SECONDS, ("ready", seconds)
                    for name, call in calls.items():
                        response, seconds = _timed_or_hung(call)
                        timings[name] = max(timings.get(name, 0), seconds)
                        assert response.status_code == 503, (
                            name,
                            response.status_code,
                            response.text,
                        )
                        assert response.headers["content-type"].startswith(PROBLEM_JSON), name
                        assert response.json()["status"] == 503
                        assert response.headers.get("Retry-After"), name
                        assert seconds < FROZEN_ANSWER_WITHIN_SECONDS, (name, seconds)
                # Many at once: none waits longer either.
                with ThreadPoolExecutor(max_workers=8) as pool:
                    answers = list(pool.map(lambda _: _timed_or_hung(calls["read one"]), range(16)))
                timings["16 parallel reads"] = max(seconds for _, seconds in answers)
                assert {response.status_code for response, _ in answers} == {503}
                assert timings["16 parallel reads"] < FROZEN_ANSWER_WITHIN_SECONDS
            finally:
                # Also when a call hung: unfreeze, so the test ends (failing) instead of hanging.
                proxy.unfreeze()

            deadline = time.monotonic() + RECOVER_WITHIN_SECONDS
            while client.get("/ready").status_code != 200:
                assert time.monotonic() < deadline, "the service did not recover"
                time.sleep(0.2)
            assert client.get(f"{API}/municipalities/GM0599").status_code == 200
            patched = client.patch(
                f"{API}/municipalities/GM0599", json={"name": "Rdam"}, headers=ADMIN
            )
            assert patched.status_code == 200, patched.text
    finally:
        proxy.close()
        app.state.engine.dispose()
    # The figures for docs/operations.md and the closing note (pytest -s shows them).
    print("\nworst-case answer seconds with a frozen database:", json.dumps(timings))


# Start-up: many processes migrating a new database at once.


def _upgrade_at_once(url: str, processes: int) -> list[subprocess.CompletedProcess[str]]:
    wegwijs = Path(sys.executable).with_name("wegwijs")
    env = {**os.environ, "WEGWIJS_DATABASE_URL": url, "WEGWIJS_LOG_LEVEL": "WARNING"}
    started = [
        subprocess.Popen(  # noqa: S603 (our own command line)
            [str(wegwijs), "db", "upgrade"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(processes)
    ]
    results = []
    for process in started:
        stdout, stderr = process.communicate(timeout=COMMAND_TIMEOUT_SECONDS)
        results.append(
            subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
        )
    return results


def test_many_processes_migrate_a_new_postgresql_database_at_once(cluster: FaultCluster) -> None:
    cluster.start()
    name = "wegwijs_startup"
    _psql(cluster.port, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    _psql(cluster.port, f"CREATE DATABASE {name}")
    url = f"postgresql+psycopg://postgres@127.0.0.1:{cluster.port}/{name}"
    try:
        results = _upgrade_at_once(url, processes=6)
        for result in results:
            assert result.returncode == 0, result.stderr
            assert "Traceback" not in result.stderr
            assert "Database schema is up to date." in result.stdout
        engine = create_engine(url)
        try:
            with engine.connect() as connection:
                versions = connection.execute(text("SELECT version_num FROM alembic_version"))
                head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
                assert versions.scalars().all() == [head]
        finally:
            engine.dispose()
    finally:
        _psql(cluster.port, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
