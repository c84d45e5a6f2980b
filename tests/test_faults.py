"""Faults against a real PostgreSQL: the database goes away and comes back, the server is
killed with SIGKILL. Everything is bounded in time: a fault must never turn into a hang.

The tests never touch the shared cluster on 5432: they create their own cluster
``wegwijs_faults`` on port 5439 (``pg_createcluster``; needs root, or the postgres user),
stop and start it at will, and drop it at the end. Without ``pg_createcluster`` they stop and
start the main cluster only when ``WEGWIJS_FAULT_TESTS_MAY_STOP_MAIN=1`` says that is fine, and
otherwise fail saying so (they are never skipped silently).
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.persistence import upgrade_database
from api.settings import Settings
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
