"""A real SMTP server in the test process (aiosmtpd on 127.0.0.1) that keeps what it receives,
and can refuse (5xx), defer (4xx) or be down, for the mail tests and the browser tests."""

import email
import email.policy
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Received:
    """One message as the server got it."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def to(self) -> str:
        return self.rcpt_tos[0]

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def part(self, subtype: str) -> str:
        body = self.message.get_body(preferencelist=(subtype,))
        assert body is not None, f"no text/{subtype} part"
        return body.get_content()

    @property
    def text(self) -> str:
        return self.part("plain")

    @property
    def html(self) -> str:
        return self.part("html")

    @property
    def words(self) -> str:
        """The plain text with its line breaks (wrapping) as single spaces."""
        return " ".join(self.text.split())

    def links(self) -> list[str]:
        """Every link in the plain text part."""
        return re.findall(r"https?://\S+", self.text)

    def link(self, path: str) -> str:
        """The first link to ``path`` (``/inloggen``, ``/kennismaking``)."""
        found = [url for url in self.links() if re.match(rf"https?://[^/]+{path}([#?]|$)", url)]
        assert found, (path, self.links())
        return found[0]


@dataclass
class SmtpSink:
    """The handler: keeps messages; ``answers`` maps a recipient to an SMTP reply for RCPT TO
    (``"550 5.1.1 No such user"``, ``"451 4.3.0 Try again later"``)."""

    received: list[Received] = field(default_factory=list)
    answers: dict[str, str] = field(default_factory=dict)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        answer = self.answers.get(address.lower())
        if answer is not None:
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.arrived:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
            self.arrived.notify_all()
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Received]:
        return [m for m in self.received if m.to.lower() == address.lower()]

    def wait_for(self, address: str, count: int = 1, timeout: float = 10.0) -> list[Received]:
        """The messages to ``address`` once there are ``count`` (a real server's worker sends
        them in its own time)."""
        deadline = time.monotonic() + timeout
        with self.arrived:
            while len(self.to(address)) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"{count} mail(s) to {address} did not arrive in {timeout} s; got "
                        f"{[(m.to, m.subject) for m in self.received]}"
                    )
                self.arrived.wait(left)
        return self.to(address)


class SmtpServer:
    """aiosmtpd on 127.0.0.1; ``stop()`` and ``start()`` take it down and up on the same port.
    With ``login=(user, password)`` it asks for AUTH (over plain SMTP: a test only)."""

    def __init__(self, login: tuple[str, str] | None = None) -> None:
        self.sink = SmtpSink()
        self.port = free_port()
        self.login = login
        self._controller: Controller | None = None

    def _authenticate(self, server, session, envelope, mechanism, auth_data):  # type: ignore[no-untyped-def]
        from aiosmtpd.smtp import AuthResult, LoginPassword

        ok = isinstance(auth_data, LoginPassword) and self.login == (
            auth_data.login.decode(),
            auth_data.password.decode(),
        )
        return AuthResult(success=ok, handled=False)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        auth = (
            {
                "authenticator": self._authenticate,
                "auth_require_tls": False,
                "auth_required": True,
            }
            if self.login
            else {}
        )
        # AUTH without TLS: fine for a test server on 127.0.0.1 (pyproject.toml silences
        # aiosmtpd's warning), never for a real one.
        self._controller = Controller(self.sink, hostname="127.0.0.1", port=self.port, **auth)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@contextmanager
def smtp_server(login: tuple[str, str] | None = None) -> Iterator[SmtpServer]:
    server = SmtpServer(login)
    server.start()
    try:
        yield server
    finally:
        server.stop()
