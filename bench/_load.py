"""The benchmark's HTTP client: keep-alive ``http.client`` connections, one thread each.

Why not httpx: on this two-core machine the client shares the CPU with the server, and
httpx spends several times more CPU per request than the standard library's
``http.client`` (a thin layer over one socket). Threads are enough: each spends nearly all
its time waiting on its socket, which releases the GIL. Every phase is bounded twice: by a
request cap and by a deadline; a request that gets no answer is cut off by the socket timeout.
"""

import http.client
import itertools
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

# (method, path, body, headers) of one request; the int is the request's sequence number.
Request = tuple[str, str, bytes | None, dict[str, str]]
RequestMaker = Callable[[int], Request]


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (``share`` in [0, 1]) of a non-empty list."""
    ordered = sorted(values)
    index = max(0, math.ceil(share * len(ordered)) - 1)
    return ordered[index]


class Client:
    """One keep-alive connection to 127.0.0.1; reconnects after an error."""

    def __init__(self, port: int, timeout: float) -> None:
        self.port = port
        self.timeout = timeout
        self.connection: http.client.HTTPConnection | None = None

    def call(self, method: str, path: str, body: bytes | None, headers: dict[str, str]):
        """(status, body bytes); raises on a transport error (the connection is dropped)."""
        if self.connection is None:
            self.connection = http.client.HTTPConnection(
                "127.0.0.1", self.port, timeout=self.timeout
            )
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            data = response.read()
            if response.will_close:
                self.close()
            return response.status, data
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def call_once(port: int, request: Request, timeout: float) -> tuple[int, bytes]:
    """One request on a new connection, closed afterwards."""
    method, path, body, headers = request
    client = Client(port, timeout)
    try:
        return client.call(method, path, body, {**headers, "Connection": "close"})
    finally:
        client.close()


@dataclass
class LoadResult:
    clients: int
    seconds: float  # from the start to the last answer
    issued_for: float  # from the start to the last request sent
    latencies_ms: list[float] = field(default_factory=list)  # successful requests
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    max_latency_ms: float = 0.0  # of every request, failed ones too
    done_at: list[float] = field(default_factory=list)  # seconds from start, every answer
    client_cpu_seconds: float = 0.0

    @property
    def requests(self) -> int:
        return len(self.latencies_ms) + self.errors

    @property
    def per_second(self) -> float:
        return len(self.latencies_ms) / self.seconds if self.seconds > 0 else 0.0

    def p(self, share: float) -> float:
        return percentile(self.latencies_ms, share) if self.latencies_ms else math.nan

    def stalled(self, *, slow_seconds: float = 10.0) -> bool:
        """A full one-second window after the first with no answer at all, while requests
        were still being sent, or any request slower than ``slow_seconds``."""
        if self.max_latency_ms > slow_seconds * 1000:
            return True
        counts = [0] * (int(self.seconds) + 2)
        for moment in self.done_at:
            counts[int(moment)] += 1
        last_full = int(self.issued_for)  # windows [k, k+1) with k + 1 <= issued_for
        return any(counts[k] == 0 for k in range(1, last_full))


def run_load(
    port: int,
    make: RequestMaker,
    *,
    clients: int,
    seconds: float,
    max_requests: int,
    expect: int = 200,
    timeout: float = 15.0,
) -> LoadResult:
    """``clients`` threads, each with its own keep-alive connection, send requests until
    ``max_requests`` were sent or ``seconds`` passed; then wait for the answers (at most the
    socket timeout)."""
    counter = itertools.count()
    lock = threading.Lock()
    started = time.perf_counter()
    deadline = started + seconds
    result = LoadResult(clients=clients, seconds=0.0, issued_for=0.0)
    last_issue = [started]
    cpu_before = time.process_time()

    def worker() -> None:
        client = Client(port, timeout)
        latencies: list[float] = []
        done: list[float] = []
        errors: list[str] = []
        slowest = 0.0
        try:
            while True:
                number = next(counter)
                now = time.perf_counter()
                if number >= max_requests or now >= deadline:
                    break
                method, path, body, headers = make(number)
                sent = time.perf_counter()
                try:
                    status, _ = client.call(method, path, body, headers)
                    ok = status == expect
                    problem = f"HTTP {status}"
                except Exception as error:
                    ok = False
                    problem = type(error).__name__
                finished = time.perf_counter()
                elapsed = (finished - sent) * 1000
                slowest = max(slowest, elapsed)
                done.append(finished - started)
                if ok:
                    latencies.append(elapsed)
                else:
                    errors.append(problem)
                if sent > last_issue[0]:
                    last_issue[0] = sent
        finally:
            client.close()
            with lock:
                result.latencies_ms.extend(latencies)
                result.done_at.extend(done)
                result.errors += len(errors)
                result.error_samples.extend(errors[: max(0, 10 - len(result.error_samples))])
                result.max_latency_ms = max(result.max_latency_ms, slowest)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.perf_counter()) + timeout + 5)
    hung = sum(thread.is_alive() for thread in threads)
    if hung:  # cannot happen with socket timeouts; counted, never waited for
        result.errors += hung
        result.error_samples.append(f"{hung} client threads did not finish")
        result.max_latency_ms = max(result.max_latency_ms, (timeout + 5) * 1000)
    result.seconds = time.perf_counter() - started
    result.issued_for = last_issue[0] - started
    result.client_cpu_seconds = time.process_time() - cpu_before
    return result
