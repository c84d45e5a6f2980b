"""How long a mail takes from the change that causes it to the SMTP server, and what 1,000
queued mails cost: the service as it runs (``wegwijs serve --demo`` in its own process, its
mail worker included) against a real SMTP server in this process (aiosmtpd on 127.0.0.1).

    python bench/mail_latency.py [--mails 50] [--introductions 20] [--queued 1000]
                                 [--database sqlite|postgresql] [--workers 1]

1. Latency, one mail at a time (the next change only after the previous mail arrived, so no
   mail waits behind another): ``POST /api/v1/sign-in-links`` (its commit writes the token
   and the outbox row) and ``POST /api/v1/introductions`` (the request mail to the civil
   servant, with the initiative's details). Measured from sending the request (an upper bound:
   the commit happens inside it) and from receiving its answer (a lower bound: the commit is
   done) to the moment the SMTP server has the whole message.
2. 1,000 queued mails: the service runs without its mail worker
   (``WEGWIJS_MAIL_WORKER=false``) while 1,000 sign-in mails are written; then it starts
   again with the worker: the time until the SMTP server has all of them, and the peak memory
   (VmHWM) of the process, next to that of the same service idle.

PostgreSQL uses a scratch database ``wegwijs_mail_bench`` on 127.0.0.1:5432, dropped after.
Bounded: every wait has a timeout; servers are always stopped.
"""

import argparse
import json
import secrets
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from _load import Client, percentile
from _servers import (
    PG_ADMIN_DSN,
    Server,
    clean_environment,
    new_token,
    peak_rss_mb,
    stop_all,
    wegwijs_command,
)
from aiosmtpd.controller import Controller

PG_DATABASE = "wegwijs_mail_bench"
PG_URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{PG_DATABASE}"
ARRIVAL_TIMEOUT = 30.0
DRAIN_TIMEOUT = 600.0


class Sink:
    """Keeps the moment each recipient's message arrived (after DATA, as a server acks it)."""

    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}
        self.condition = threading.Condition()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        now = time.perf_counter()
        with self.condition:
            for recipient in envelope.rcpt_tos:
                self.arrived[recipient.lower()] = now
            self.condition.notify_all()
        return "250 OK"

    def wait(self, recipient: str, timeout: float = ARRIVAL_TIMEOUT) -> float:
        deadline = time.monotonic() + timeout
        with self.condition:
            while recipient not in self.arrived:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise RuntimeError(f"no mail to {recipient} within {timeout:.0f} s")
                self.condition.wait(left)
            return self.arrived[recipient]

    def wait_count(self, count: int, timeout: float) -> float:
        deadline = time.monotonic() + timeout
        with self.condition:
            while len(self.arrived) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise RuntimeError(f"{len(self.arrived)} of {count} mails in {timeout:.0f} s")
                self.condition.wait(left)
            return max(self.arrived.values())


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server(database_url: str, cwd: Path, token: str, smtp_port: int, **extra: str) -> Server:
    env = clean_environment(
        WEGWIJS_DATABASE_URL=database_url,
        WEGWIJS_ADMIN_TOKEN=token,
        WEGWIJS_RATE_LIMIT_ENABLED="false",
        WEGWIJS_WEBHOOK_WORKER="false",
        WEGWIJS_LOG_LEVEL="WARNING",
        WEGWIJS_SMTP_URL=f"smtp://127.0.0.1:{smtp_port}",
        WEGWIJS_PUBLIC_URL="https://wegwijs.bench",
        **extra,
    )
    command = [*wegwijs_command(), "serve", "--demo", "--host", "127.0.0.1"]
    return Server(name="wegwijs", command=command, env=env, cwd=cwd)


def post(client: Client, path: str, body: dict, token: str | None = None) -> dict:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    status, data = client.call("POST", path, json.dumps(body).encode(), headers)
    if status >= 300:
        raise RuntimeError(f"POST {path}: {status} {data[:300]!r}")
    return json.loads(data)


def get(client: Client, path: str, token: str) -> dict:
    status, data = client.call("GET", path, None, {"Authorization": f"Bearer {token}"})
    if status != 200:
        raise RuntimeError(f"GET {path}: {status} {data[:300]!r}")
    return json.loads(data)


def summary(values: list[float]) -> dict:
    ms = [v * 1000 for v in values]
    return {
        "n": len(ms),
        "p50_ms": round(statistics.median(ms), 1),
        "p95_ms": round(percentile(ms, 0.95), 1),
        "max_ms": round(max(ms), 1),
    }


def latency(port: int, sink: Sink, token: str, mails: int, introductions: int) -> dict:
    client = Client(port, timeout=30)
    from_request: list[float] = []
    from_answer: list[float] = []
    for number in range(mails):
        address = f"latency-{number}-{secrets.token_hex(3)}@example.org"
        sent = time.perf_counter()
        post(client, "/api/v1/sign-in-links", {"email": address})
        answered = time.perf_counter()
        arrived = sink.wait(address)
        from_request.append(arrived - sent)
        from_answer.append(arrived - answered)
    result = {
        "sign_in": {"from_request": summary(from_request), "from_answer": summary(from_answer)}
    }
    if introductions:
        contacts = [
            c
            for c in get(client, "/api/v1/contacts?municipalityCode=GM0363&pageSize=100", token)[
                "items"
            ]
            if c["available"]
            and c["openToInitiatives"]
            and c["consentAt"]
            and c["capacityPerMonth"] > 0
        ]
        from_request, from_answer = [], []
        initiative = None
        for number in range(introductions):
            if number % 5 == 0:  # at most 5 open requests per initiative
                initiative = post(
                    client,
                    "/api/v1/initiatives",
                    {
                        "municipalityCode": "GM0363",
                        "title": f"Taalcafé {number}",
                        "description": "Elke week samen koffie drinken en Nederlands oefenen.",
                        "needs": [{"kind": "space", "description": "een zaaltje op dinsdag"}],
                        "initiator": {"name": "Fatima", "email": f"i{number}@example.org"},
                    },
                    token,
                )
            contact = contacts[number % len(contacts)]
            before = sink.arrived.get(contact["email"].lower())
            sent = time.perf_counter()
            post(
                client,
                "/api/v1/introductions",
                {"initiativeId": initiative["id"], "contactId": contact["id"], "message": "Hoi"},
                token,
            )
            answered = time.perf_counter()
            deadline = time.monotonic() + ARRIVAL_TIMEOUT
            while sink.arrived.get(contact["email"].lower()) in (None, before):
                if time.monotonic() > deadline:
                    raise RuntimeError("the request mail did not arrive")
                time.sleep(0.0005)
            arrived = sink.arrived[contact["email"].lower()]
            from_request.append(arrived - sent)
            from_answer.append(arrived - answered)
        result["introduction_requested"] = {
            "from_request": summary(from_request),
            "from_answer": summary(from_answer),
        }
    client.close()
    return result


def queued(database_url: str, cwd: Path, token: str, count: int, workers: str) -> dict:
    sink = Sink()
    port = free_port()
    # 1. Written while no worker runs: the outbox fills.
    writer = server(database_url, cwd, token, port, WEGWIJS_MAIL_WORKER="false").start()
    writer.wait_ready()
    idle_rss = max(filter(None, (peak_rss_mb(pid) for pid in writer.pids())), default=None)
    client = Client(writer.port, timeout=30)
    started = time.perf_counter()
    for number in range(count):
        post(client, "/api/v1/sign-in-links", {"email": f"q{number}@example.org"})
    write_seconds = time.perf_counter() - started
    client.close()
    writer.stop()
    # 2. The worker starts with 1,000 waiting, the SMTP server up.
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        drainer = server(database_url, cwd, token, port, WEGWIJS_MAIL_WORKER="true")
        drainer.start()
        ready = drainer.wait_ready()
        start = drainer.started_at
        last = sink.wait_count(count, DRAIN_TIMEOUT)
        rss = max(filter(None, (peak_rss_mb(pid) for pid in drainer.pids())), default=None)
        first = min(sink.arrived.values())
        drainer.stop()
    finally:
        controller.stop()
    drain = last - first
    return {
        "queued": count,
        "write_seconds": round(write_seconds, 2),
        "written_per_second": round(count / write_seconds),
        "start_to_ready_seconds": round(ready, 2),
        "start_to_last_mail_seconds": round(last - start, 2),
        "first_to_last_mail_seconds": round(drain, 2),
        "mails_per_second": round(count / drain) if drain > 0 else None,
        "peak_rss_mb_draining": round(rss, 1) if rss else None,
        "peak_rss_mb_idle": round(idle_rss, 1) if idle_rss else None,
        "workers": workers,
    }


def pg_database(drop: bool = False) -> str:
    import psycopg

    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
        if not drop:
            connection.execute(f"CREATE DATABASE {PG_DATABASE}")
    return PG_URL


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mails", type=int, default=50, help="sign-in mails, one at a time")
    parser.add_argument("--introductions", type=int, default=20, help="request mails")
    parser.add_argument("--queued", type=int, default=1000, help="mails queued, then drained")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--workers", type=int, default=1, help="serve --workers")
    parser.add_argument("--out", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args()

    figures: dict = {"database": args.database, "workers": args.workers}
    with tempfile.TemporaryDirectory(prefix="wegwijs-mail-bench-") as scratch:
        cwd = Path(scratch)
        url = pg_database() if args.database == "postgresql" else f"sqlite:///{cwd / 'bench.db'}"
        token = new_token()
        try:
            sink = Sink()
            port = free_port()
            controller = Controller(sink, hostname="127.0.0.1", port=port)
            controller.start()
            try:
                running = server(url, cwd, token, port)
                running.command += ["--workers", str(args.workers)]
                running.start()
                running.wait_ready()
                figures["latency"] = latency(
                    running.port, sink, token, args.mails, args.introductions
                )
                running.stop()
            finally:
                controller.stop()
            if args.queued:
                figures["backlog"] = queued(url, cwd, token, args.queued, str(args.workers))
        finally:
            stop_all()
            if args.database == "postgresql":
                pg_database(drop=True)
    text = json.dumps(figures, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    sys.exit(main())
