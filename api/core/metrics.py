"""Prometheus metrics: requests, match latency, the matching indexes and introductions.

Labels hold only route templates, methods, status classes, municipality codes and
introduction statuses: never an id, a raw path, an email or any text a caller sent.

With several worker processes (``wegwijs serve --workers N``) every process counts on its own;
when ``PROMETHEUS_MULTIPROC_DIR`` is set (``serve`` sets a temporary one for N > 1) the
processes write their values to files there and a scrape of any one of them adds them up
(prometheus_client's multiprocess mode). The variable must be set before this module is
first imported, which is why ``serve`` sets it before starting the workers.
"""

import functools
import logging
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client import multiprocess as prometheus_multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import generate_latest
from prometheus_client.registry import Collector
from sqlalchemy import Engine, func, select

from schemas import Introduction, IntroductionStatus

log = logging.getLogger("wegwijs.metrics")

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# The classic text format (what generate_latest writes), understood by every Prometheus.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# Route label of requests no route answers (404s), so scanners cannot grow the label set.
OTHER = "other"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

REQUESTS = Counter(
    "wegwijs_http_requests",
    "HTTP requests answered, by method, route template and status class.",
    ["method", "route", "status"],
)
REQUEST_DURATION = Histogram(
    "wegwijs_http_request_duration_seconds",
    "Time to answer an HTTP request, by method, route template and status class.",
    ["method", "route", "status"],
)
MATCH_DURATION = Histogram(
    "wegwijs_match_duration_seconds",
    "Time to answer one match: the index check (and rebuild when the directory changed), "
    "capacity and track records, the engine and presenting the result. kind: initiative "
    "(GET /initiatives/{id}/matches), question (POST /matches), contact "
    "(GET /contacts/{id}/initiatives).",
    ["kind"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
# Set when an index is built: with several processes the most recent build wins.
INDEX_CONTACTS = Gauge(
    "wegwijs_index_contacts",
    "Contacts in the matching index of a municipality (listable: available and consenting).",
    ["municipality"],
    multiprocess_mode="mostrecent",
)
INDEX_BUILD_DURATION = Gauge(
    "wegwijs_index_build_duration_seconds",
    "How long the last build of a municipality's matching index took.",
    ["municipality"],
    multiprocess_mode="mostrecent",
)
INDEX_BUILT = Gauge(
    "wegwijs_index_built_timestamp_seconds",
    "When a municipality's matching index was last built (Unix time).",
    ["municipality"],
    multiprocess_mode="mostrecent",
)
INDEX_BUILDS = Counter(
    "wegwijs_index_builds",
    "Full builds of a municipality's matching index by this process.",
    ["municipality"],
)
INDEX_UPDATES = Counter(
    "wegwijs_index_updates",
    "Times a municipality's matching index was brought up to date in place (no build).",
    ["municipality"],
)
INDEX_UPDATED_CONTACTS = Counter(
    "wegwijs_index_updated_contacts",
    "Contacts re-read into a municipality's matching index in place.",
    ["municipality"],
)


def status_class(status: int) -> str:
    return f"{status // 100}xx" if 100 <= status <= 599 else OTHER


def observe_request(method: str, route: str | None, status: int, seconds: float) -> None:
    labels = (method if method in METHODS else OTHER, route or OTHER, status_class(status))
    REQUESTS.labels(*labels).inc()
    REQUEST_DURATION.labels(*labels).observe(seconds)


F = TypeVar("F", bound=Callable[..., Any])


def timed_match(kind: str) -> Callable[[F], F]:
    """Decorator for a matching service function: its duration goes to the histogram."""
    return MATCH_DURATION.labels(kind=kind).time()  # type: ignore[return-value]


@dataclass(frozen=True)
class IndexBuild:
    contacts: int
    seconds: float
    built_at: datetime


_index_builds: dict[str, IndexBuild] = {}


def observe_index_build(build: F) -> F:
    """Decorator for ``build(session, municipality_code) -> Directory``: records its size,
    duration and time (for the gauges above and ``/ready``)."""

    @functools.wraps(build)
    def timed(session: Any, municipality_code: str) -> Any:
        started = time.perf_counter()
        directory = build(session, municipality_code)
        record = IndexBuild(
            contacts=directory.size,
            seconds=time.perf_counter() - started,
            built_at=datetime.now(UTC),
        )
        _index_builds[municipality_code] = record
        INDEX_CONTACTS.labels(municipality_code).set(record.contacts)
        INDEX_BUILD_DURATION.labels(municipality_code).set(record.seconds)
        INDEX_BUILT.labels(municipality_code).set(record.built_at.timestamp())
        INDEX_BUILDS.labels(municipality_code).inc()
        return directory

    return timed  # type: ignore[return-value]


def observe_index_update(municipality_code: str, directory: Any, changed: int) -> None:
    """An index brought up to date in place (``changed`` contacts re-read)."""
    INDEX_CONTACTS.labels(municipality_code).set(directory.size)
    INDEX_UPDATES.labels(municipality_code).inc()
    INDEX_UPDATED_CONTACTS.labels(municipality_code).inc(changed)


def index_builds() -> dict[str, IndexBuild]:
    """The last build of each index this process made."""
    return dict(_index_builds)


class IntroductionsByStatus(Collector):
    """Introductions per status, counted in the database when scraped (one GROUP BY)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[GaugeMetricFamily]:
        query = select(Introduction.status, func.count()).group_by(Introduction.status)
        try:
            with self.engine.connect() as connection:
                rows = connection.execute(query).all()
        except Exception as error:  # a scrape must not fail when the database does
            log.warning("metrics: introductions not counted: %s", type(error).__name__)
            return
        counts = {status.value: 0 for status in IntroductionStatus}
        counts.update({status: count for status, count in rows})
        family = GaugeMetricFamily(
            "wegwijs_introductions",
            "Introductions in the database, by status (counted at scrape time).",
            labels=["status"],
        )
        for status, count in sorted(counts.items()):
            family.add_metric([status], count)
        yield family


def multiprocess_mode() -> bool:
    return bool(os.environ.get(MULTIPROC_ENV))


def render(engine: Engine) -> bytes:
    """The text exposition of this process's metrics (or, in multiprocess mode, of all
    processes'), plus the gauges counted in the database."""
    scrape = CollectorRegistry(auto_describe=False)
    scrape.register(IntroductionsByStatus(engine))
    if multiprocess_mode():
        prometheus_multiprocess.MultiProcessCollector(scrape)
        return generate_latest(scrape)
    return generate_latest(REGISTRY) + generate_latest(scrape)


def prepare_multiprocess_dir(workers: int) -> Path | None:
    """For ``serve``: empty the directory ``PROMETHEUS_MULTIPROC_DIR`` names (values of an
    earlier run must not be added to this one's), or with several workers and none set,
    create a temporary one and set the variable for them. Returns a directory to remove
    when serving ends."""
    configured = os.environ.get(MULTIPROC_ENV)
    if configured:
        directory = Path(configured)
        directory.mkdir(parents=True, exist_ok=True)
        for stale in directory.glob("*.db"):
            stale.unlink(missing_ok=True)
        return None
    if workers <= 1:
        return None
    created = Path(tempfile.mkdtemp(prefix="wegwijs-metrics-"))
    os.environ[MULTIPROC_ENV] = str(created)
    return created
