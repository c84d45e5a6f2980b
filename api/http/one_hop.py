"""One threadpool hand-off for everything a match route does with the database (issue 15).

A sync route pays a hand-off to the threadpool for every sync dependency (the session, the
failed-key guard, the key, the rate limits, the 404 lookup) and one for itself. The match
routes are the busiest there are, so they are ``async`` and do all of that in one call to
:func:`in_one_hop`, with the same functions the dependencies use, in the same order.

The session is opened and closed inside that one hop: a request never holds a connection
while it waits for a thread. Holding one across hops deadlocked at 64 connections (SQLite's
pool of 15, the threadpool of 40: every thread waiting for a connection while the requests
holding the connections waited for a thread).

Their routers are included without the ``/api/v1`` key and rate-limit dependencies
(``api/http/app.py``, ``one_hop_router``); the route declares ``BearerDep`` itself, so the
OpenAPI document is the same.
"""

from collections.abc import Callable
from contextlib import contextmanager
from typing import TypeVar

import anyio
from fastapi import Request
from fastapi.security import HTTPAuthorizationCredentials
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from api.core.identity import Principal
from api.core.persistence import session_scope
from api.core.settings import Settings
from api.http.deps import principal_for
from api.http.ratelimit import check_rate_limit, failed_keys_guarded

T = TypeVar("T")

_session = contextmanager(session_scope)


async def in_one_hop(
    request: Request,
    credentials: HTTPAuthorizationCredentials | None,
    work: Callable[[Session, Principal], T],
) -> T:
    """``work(session, principal)`` after the failed-key guard, the key check and the rate
    limits, all in one threadpool hop that opens and closes the session."""
    async with request.app.state.match_turns:
        return await run_in_threadpool(_run, request, credentials, work)


def match_turns(settings: Settings) -> anyio.Semaphore:
    """The turns the match routes take (``match_concurrency`` at once, first come first
    served). Measured with 64 connections on one worker (issue 15): without turns, 40
    threads took the GIL from each other and the slowest answers waited longest (p99 1.8 ×
    the median); with two at a time the throughput rose 10 % and p99 came within 1.1 × the
    median. A waiting request holds no thread and no connection: it waits on the event loop."""
    return anyio.Semaphore(settings.match_concurrency)


def _run(
    request: Request,
    credentials: HTTPAuthorizationCredentials | None,
    work: Callable[[Session, Principal], T],
) -> T:
    state = request.app.state
    with (
        failed_keys_guarded(request, state.settings, state.rate_limiter),
        _session(state.engine) as session,
    ):
        principal = principal_for(session, state.settings, credentials)
        check_rate_limit(request, principal, state.settings, state.rate_limiter)
        return work(session, principal)
