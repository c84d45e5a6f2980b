"""Processes and databases for the benchmark: ``wegwijs serve`` and the bare app as
subprocesses in their own process group (always stopped, also on errors and Ctrl-C), their
peak memory from /proc, and a scratch PostgreSQL database."""

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from _load import Client

BENCH = Path(__file__).resolve().parent
PG_DATABASE = "wegwijs_bench"
PG_ADMIN_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres connect_timeout=5"
PG_URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{PG_DATABASE}"

_running: list["Server"] = []


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wegwijs_command() -> list[str]:
    """The venv's ``wegwijs`` next to this interpreter, as a user would run it."""
    script = Path(sys.executable).parent / "wegwijs"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from api.cli.main import main; main()"]


def clean_environment(**extra: str) -> dict[str, str]:
    """This environment without any WEGWIJS_* setting of the caller's, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WEGWIJS_")}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env.update(extra)
    return env


@dataclass
class Server:
    name: str
    command: list[str]
    env: dict[str, str]
    cwd: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    started_at: float = 0.0

    @property
    def log_path(self) -> Path:
        return self.cwd / f"{self.name}-{self.port}.log"

    def start(self) -> "Server":
        command = [*self.command, "--port", str(self.port)]
        with self.log_path.open("ab") as log:
            self.started_at = time.perf_counter()
            self.process = subprocess.Popen(  # noqa: S603 (our own command line)
                command,
                cwd=self.cwd,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: workers are stopped with it
            )
        _running.append(self)
        return self

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def wait_ready(self, path: str = "/ready", timeout: float = 120.0) -> float:
        """Seconds from start until ``path`` answers 200; RuntimeError after ``timeout``."""
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited with {self.process.returncode}:\n{self.log_tail()}"
                )
            client = Client(self.port, timeout=5)
            try:
                status, _ = client.call("GET", path, None, {})
                if status == 200:
                    return time.perf_counter() - self.started_at
            except OSError:
                pass
            finally:
                client.close()
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} not ready after {timeout:.0f} s:\n{self.log_tail()}")

    def pids(self) -> list[int]:
        """The server process and all its descendants (uvicorn's workers)."""
        if self.process is None:
            return []
        return [self.process.pid, *descendants(self.process.pid)]

    def stop(self) -> None:
        process = self.process
        if process is None:
            return
        self.process = None
        if self in _running:
            _running.remove(self)
        if process.poll() is None:
            _signal_group(process.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=15)
        # Workers can outlive their parent: whatever is left of the group goes.
        _signal_group(process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=5)


def _signal_group(pgid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signum)


def stop_all() -> None:
    for server in list(_running):
        server.stop()


def _parent_of(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # pid (comm) state ppid ...; comm may contain spaces and parentheses.
    return int(stat[stat.rindex(")") + 2 :].split()[1])


def descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            parent = _parent_of(int(entry.name))
            if parent is not None:
                children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return sorted(found)


def peak_rss_mb(pid: int) -> float | None:
    """VmHWM (peak resident set size) of a process, in MB (10^6 bytes)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024 / 1e6
    except OSError:
        return None
    return None


def process_name(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:120]
    except OSError:
        return "?"


def wegwijs_server(*, database_url: str, workers: int, cwd: Path, admin_token: str) -> Server:
    env = clean_environment(
        WEGWIJS_DATABASE_URL=database_url,
        WEGWIJS_ADMIN_TOKEN=admin_token,
        WEGWIJS_RATE_LIMIT_ENABLED="false",
        WEGWIJS_WEBHOOK_WORKER="false",
        WEGWIJS_LOG_LEVEL="WARNING",
    )
    command = [*wegwijs_command(), "serve", "--host", "127.0.0.1", "--workers", str(workers)]
    # cwd: a scratch directory, so no developer's .env is read.
    return Server(name="wegwijs", command=command, env=env, cwd=cwd)


def bare_server(*, payload: Path, workers: int, cwd: Path) -> Server:
    env = clean_environment(BENCH_BARE_PAYLOAD=str(payload))
    command = [sys.executable, "-m", "uvicorn", "bare_app:app", "--app-dir", str(BENCH)]
    command += ["--host", "127.0.0.1", "--workers", str(workers), "--log-level", "warning"]
    command += ["--no-access-log"]
    return Server(name="bare", command=command, env=env, cwd=cwd)


def new_token() -> str:
    return "bench-admin-" + secrets.token_urlsafe(24)


def recreate_pg_database() -> str:
    """Drop and create ``wegwijs_bench`` on 127.0.0.1:5432 (never any other database)."""
    import psycopg

    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {PG_DATABASE}")
    return PG_URL


def drop_pg_database() -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
