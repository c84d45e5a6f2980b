"""What every background worker (the webhook outbox, and any later one such as mail) does when
the database goes away: back off, and say so once.

A worker polls in a loop. While the database is down each round fails; logging a traceback
per round (every second, in every process) would drown the log and say nothing new. With
``DatabaseBackoff`` the worker logs **one line** when it loses the database and **one line**
when it has it back, and waits between rounds, doubling from
``WEGWIJS_WORKER_BACKOFF_INITIAL_SECONDS`` up to ``WEGWIJS_WORKER_BACKOFF_MAX_SECONDS``.
An error that is not the database's (a bug) is logged with its traceback, once per kind of
error until a round succeeds again, and backed off the same way.

Usage::

    backoff = DatabaseBackoff("webhooks", settings)
    while not stop.is_set():
        try:
            do_one_round()
        except Exception as exc:
            stop.wait(backoff.failed(exc))
            continue
        backoff.succeeded()
        stop.wait(poll_seconds)
"""

import logging
import time

from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from api.core.settings import Settings

log = logging.getLogger("wegwijs.workers")

# Errors that mean "the database is not there (or not answering)", not "our code is wrong".
DATABASE_ERRORS = (DBAPIError, DisconnectionError, PoolTimeoutError, ConnectionError)


class DatabaseBackoff:
    """The back-off and log state of one worker (not thread-safe: one per worker thread)."""

    def __init__(
        self,
        worker: str,
        settings: Settings,
        *,
        logger: logging.Logger = log,
        clock=time.monotonic,  # type: ignore[no-untyped-def]
    ) -> None:
        self.worker = worker
        self.initial = settings.worker_backoff_initial_seconds
        self.maximum = max(settings.worker_backoff_max_seconds, self.initial)
        self.log = logger
        self.clock = clock
        self.delay = 0.0
        self.down_since: float | None = None
        self._reported: set[str] = set()

    @property
    def database_down(self) -> bool:
        return self.down_since is not None

    def failed(self, exc: BaseException) -> float:
        """Record a failed round; returns how long to wait before the next one."""
        self.delay = self.initial if self.delay == 0 else min(self.delay * 2, self.maximum)
        if isinstance(exc, DATABASE_ERRORS):
            if self.down_since is None:
                self.down_since = self.clock()
                # The error's type only: its text may name the host, and says nothing new.
                self.log.warning(
                    "%s worker: the database is not reachable (%s); retrying with back-off "
                    "up to every %g s",
                    self.worker,
                    type(getattr(exc, "orig", None) or exc).__name__,
                    self.maximum,
                )
        else:
            kind = type(exc).__name__
            if kind not in self._reported:
                self._reported.add(kind)
                self.log.error("%s worker: round failed", self.worker, exc_info=exc)
        return self.delay

    def succeeded(self) -> None:
        """Record a round that worked: the database is back, if it was away."""
        if self.down_since is not None:
            self.log.warning(
                "%s worker: the database is reachable again (after %.0f s)",
                self.worker,
                self.clock() - self.down_since,
            )
            self.down_since = None
        self.delay = 0.0
        self._reported.clear()
