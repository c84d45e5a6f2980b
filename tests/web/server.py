"""A real Wegwijs server with the demo loaded, in a subprocess, for the browser tests and
``scripts/screenshots.py``; and Debian's Chromium for Playwright to drive.

Playwright never downloads a browser here (``playwright install`` fetches from a CDN this
project cannot reach): it drives ``/usr/bin/chromium`` from Debian's ``chromium`` package.
"""

import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.smtp import SmtpServer

CHROMIUM = Path("/usr/bin/chromium")
STARTUP_SECONDS = 15.0
APT_SECONDS = 900


@dataclass(frozen=True)
class DemoServer:
    base_url: str
    admin_token: str
    # The SMTP server it sends its mails to, when the caller started one (tests/smtp.py).
    smtp: SmtpServer | None = None

    def api(self, method: str, path: str, **kwargs) -> httpx.Response:
        """Call the API as the admin (setting up what a test needs, checking what it did)."""
        headers = {"Authorization": f"Bearer {self.admin_token}", **kwargs.pop("headers", {})}
        return httpx.request(
            method, f"{self.base_url}/api/v1{path}", headers=headers, timeout=10, **kwargs
        )

    def create_key(self, role: str, subject: str | None = None) -> str:
        response = self.api("POST", "/api-keys", json={"role": role, "subject": subject})
        response.raise_for_status()
        return response.json()["token"]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_ready(base_url: str, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            if httpx.get(f"{base_url}/ready", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    log = log_path.read_text(errors="replace")[-3000:]
    raise RuntimeError(f"The Wegwijs server at {base_url} did not become ready:\n{log}")


@contextmanager
def demo_server(smtp: SmtpServer | None = None, **settings: str) -> Iterator[DemoServer]:
    """``wegwijs serve --demo`` on a free port of 127.0.0.1 with a temporary SQLite database;
    stopped (and the database removed) on exit. ``smtp``: a test SMTP server its mail worker
    sends to, with links in mails pointing at this server. ``settings``: more ``WEGWIJS_*``
    variables."""
    with tempfile.TemporaryDirectory(prefix="wegwijs-web-") as directory:
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        token = "web-admin-" + secrets.token_urlsafe(24)
        mail = (
            {
                "WEGWIJS_SMTP_URL": smtp.url,
                "WEGWIJS_MAIL_FROM": "Wegwijs Amsterdam <wegwijs@amsterdam.example>",
                "WEGWIJS_PUBLIC_URL": base_url,
                "WEGWIJS_MAIL_POLL_SECONDS": "0.2",
            }
            if smtp is not None
            else {"WEGWIJS_MAIL_WORKER": "false"}
        )
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("WEGWIJS_")},
            "WEGWIJS_DATABASE_URL": f"sqlite:///{Path(directory) / 'wegwijs.db'}",
            "WEGWIJS_ADMIN_TOKEN": token,
            "WEGWIJS_WEBHOOK_WORKER": "false",
            "WEGWIJS_LOG_LEVEL": "WARNING",
            "WEGWIJS_CORS_ORIGINS": "",
            **mail,
            **settings,
        }
        command = [sys.executable, "-c", "from api.cli.main import main; main()"]
        command += ["serve", "--demo", "--host", "127.0.0.1", "--port", str(port)]
        log_path = Path(directory) / "server.log"
        with log_path.open("wb") as log:
            # cwd: the temporary directory, so no developer's .env is read.
            process = subprocess.Popen(  # noqa: S603 (our own command line)
                command, cwd=directory, env=env, stdout=log, stderr=subprocess.STDOUT
            )
            try:
                _wait_ready(base_url, process, log_path)
                yield DemoServer(base_url=base_url, admin_token=token, smtp=smtp)
            finally:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=5)


SKIP_VARIABLE = "WEGWIJS_SKIP_BROWSER_TESTS"
INSTALLING = (
    "Installing Debian's chromium for the browser tests (apt-get install chromium: about 110 "
    f"packages, a few minutes); set {SKIP_VARIABLE}=1 to skip those tests instead."
)


def ensure_chromium(say: Callable[[str], None] = print) -> str:
    """The path of Debian's Chromium, installing the package when missing and we are root;
    ``say`` tells the person running the tests first, in one line."""
    if CHROMIUM.exists():
        return str(CHROMIUM)
    if os.geteuid() != 0:
        raise RuntimeError(
            f"Chromium is missing at {CHROMIUM}. Install Debian's package "
            "(sudo apt-get install -y chromium; never `playwright install`), or set "
            f"{SKIP_VARIABLE}=1 to skip the browser tests."
        )
    say(INSTALLING)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, timeout=APT_SECONDS)  # noqa: S607
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "chromium"],  # noqa: S607
        check=True,
        env=env,
        timeout=APT_SECONDS,
    )
    if not CHROMIUM.exists():
        raise RuntimeError(f"apt-get installed chromium, but {CHROMIUM} is still missing.")
    return str(CHROMIUM)
