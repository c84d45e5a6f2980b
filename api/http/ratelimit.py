"""Rate limits for the JSON API (OWASP API4): per API key, and per client IP for anonymous callers.

``enforce_rate_limit`` is a dependency of the ``/api/v1`` router, after ``get_principal``, so it
knows who is calling: a key is counted by its id (never its token), the bootstrap admin token as
one bucket, and anonymous calls by client address. Anonymous ``POST /api/v1/matches`` (the
matcher runs for every call) has a stricter bucket of its own besides; a portal key (a
municipal portal asking for all its residents from one server) is counted per key, matches
included, under ``WEGWIJS_RATE_LIMIT_PORTAL``. ``guard_failed_keys``
(before the key lookup) stops an address that keeps sending unknown or revoked keys. Past a
limit the answer is 429 problem+json with ``Retry-After``, raised as a ``DomainError`` so it
carries the request id and the headers of every other answer. ``/health``, ``/ready``,
``/metrics``, the OpenAPI document, ``/docs`` and the web page are outside the router and
never limited.

**Algorithm.** A sliding-window counter: one counter per bucket and fixed window, and the
estimate ``previous × (share of the window still overlapping it) + current``. A call is allowed
when the estimate plus one stays within the limit, and only allowed calls are counted, so a
client that keeps hammering gets in again as soon as its rate drops. It smooths the double
burst a plain fixed window allows at the window edge, at two small counters per bucket.

**Across processes.** With ``WEGWIJS_RATE_LIMIT_REDIS_URL`` the counters live in Redis and all
workers (and hosts) share them: check and increment are one Lua script, so they are atomic.
Without it (``serve --workers N`` warns at start-up), or while Redis is unreachable, each
process counts on its own (a warning is
logged, at most once a minute, and Redis is tried again after a pause): limits then hold per
process, requests are never refused because Redis is down, and never answered with a 500.

**Client address.** The ASGI scope's ``client``. Behind a reverse proxy that is the proxy,
unless uvicorn is told to trust it: ``--proxy-headers`` with ``--forwarded-allow-ips`` (or
``FORWARDED_ALLOW_IPS``) set to the proxy's address makes uvicorn put the caller's address from
``X-Forwarded-For`` there. Never trust that header from anyone else: it is trivially forged.
IPv6 clients are counted per /64, the block one host or household usually gets.
"""

import hashlib
import ipaddress
import logging
import math
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from api.core.exceptions import TooManyRequests, Unauthorized
from api.core.identity import Principal
from api.core.settings import Settings
from api.http.deps import PrincipalDep, get_settings
from schemas import Role

log = logging.getLogger("wegwijs.ratelimit")
T = TypeVar("T")

MATCHES_PATH = "/api/v1/matches"
# Failed keys are always counted (whatever the count, the call itself already failed).
ALWAYS = 2**31
# How long to leave Redis alone after it failed, and how often to say so in the log.
REDIS_RETRY_SECONDS = 5.0
WARNING_INTERVAL_SECONDS = 60.0
# The in-process counters forget old windows; past this many buckets they are pruned at once.
MAX_LOCAL_BUCKETS = 100_000

# KEYS: current window's counter, previous window's counter.
# ARGV: limit, weight of the previous window (0..1), window length in seconds, and '1' to count
# the call when allowed ('0' only checks). Returns {allowed (0/1), current count, previous count}.
SLIDING_WINDOW_LUA = """
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local previous = tonumber(redis.call('GET', KEYS[2]) or '0')
local limit = tonumber(ARGV[1])
if previous * tonumber(ARGV[2]) + current + 1 > limit then
  return {0, current, previous}
end
if ARGV[4] == '0' then
  return {1, current, previous}
end
current = redis.call('INCR', KEYS[1])
if current == 1 then
  redis.call('EXPIRE', KEYS[1], 2 * tonumber(ARGV[3]))
end
return {1, current, previous}
"""


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: int = 0


def _estimate(previous: int, weight: float, current: int) -> float:
    return previous * weight + current


def retry_after(*, limit: int, window: int, elapsed: float, current: int, previous: int) -> int:
    """Whole seconds until one more call fits, from the counts when it was refused."""
    left_in_window = window - elapsed
    if current + 1 <= limit and previous > 0:
        # The previous window's share shrinks until the estimate leaves room for one more.
        wait = left_in_window - window * (limit - current - 1) / previous
    else:
        # The current window alone is full: wait into the next one, where it counts as previous.
        share = 1 - (limit - 1) / current if current else 0
        wait = left_in_window + window * max(share, 0)
    return max(1, math.ceil(wait))


def _window(now: float, window: int) -> tuple[int, float, float]:
    """The current window's number, the seconds elapsed in it, and the previous one's weight."""
    index = int(now // window)
    elapsed = now - index * window
    return index, elapsed, (window - elapsed) / window


class LocalCounter:
    """Sliding-window counters in this process (the fallback, and the embedded default); one
    set per window length, so counters of a long window (sign-in links: an hour) are not
    pruned by the windows of a short one."""

    def __init__(self) -> None:
        self._windows: dict[int, _WindowCounts] = {}
        self._lock = threading.Lock()

    def hit(self, bucket: str, limit: int, window: int, now: float, count: bool = True) -> Decision:
        with self._lock:
            counts = self._windows.get(window)
            if counts is None:
                counts = self._windows[window] = _WindowCounts()
        return counts.hit(bucket, limit, window, now, count)


class _WindowCounts:
    """The counters of one window length."""

    def __init__(self) -> None:
        self._counts: dict[tuple[str, int], int] = {}
        self._lock = threading.Lock()
        self._pruned_at = 0

    def hit(self, bucket: str, limit: int, window: int, now: float, count: bool = True) -> Decision:
        index, elapsed, weight = _window(now, window)
        with self._lock:
            # Forget windows older than the previous one, once per window; when crowded (a
            # flood from very many addresses) forget all but the current window, or everything.
            if index != self._pruned_at:
                self._prune(index)
            if len(self._counts) > MAX_LOCAL_BUCKETS:
                self._counts = {k: v for k, v in self._counts.items() if k[1] == index}
                if len(self._counts) > MAX_LOCAL_BUCKETS:
                    self._counts.clear()
            current = self._counts.get((bucket, index), 0)
            previous = self._counts.get((bucket, index - 1), 0)
            if _estimate(previous, weight, current) + 1 > limit:
                return Decision(
                    False,
                    retry_after(
                        limit=limit,
                        window=window,
                        elapsed=elapsed,
                        current=current,
                        previous=previous,
                    ),
                )
            if count:
                self._counts[(bucket, index)] = current + 1
            return Decision(True)

    def _prune(self, index: int) -> None:
        self._pruned_at = index
        for key in [key for key in self._counts if key[1] < index - 1]:
            del self._counts[key]


class RedisCounter:
    """The same counters in Redis, shared by every process that uses the same URL and prefix."""

    def __init__(self, url: str, prefix: str) -> None:
        import redis

        self._errors: tuple[type[BaseException], ...] = (redis.RedisError, OSError)
        self._client = redis.Redis.from_url(
            url, socket_timeout=0.5, socket_connect_timeout=0.5, health_check_interval=30
        )
        self._script = self._client.register_script(SLIDING_WINDOW_LUA)
        self._prefix = prefix

    def hit(self, bucket: str, limit: int, window: int, now: float, count: bool = True) -> Decision:
        index, elapsed, weight = _window(now, window)
        # A hash tag keeps both counters of a bucket in one Redis Cluster slot.
        base = f"{self._prefix}{{{bucket}}}:{window}:"
        allowed, current, previous = self._script(
            keys=[f"{base}{index}", f"{base}{index - 1}"],
            args=[limit, repr(weight), window, "1" if count else "0"],
        )
        if allowed:
            return Decision(True)
        return Decision(
            False,
            retry_after(
                limit=limit,
                window=window,
                elapsed=elapsed,
                current=int(current),
                previous=int(previous),
            ),
        )

    @property
    def errors(self) -> tuple[type[BaseException], ...]:
        return self._errors

    def close(self) -> None:
        self._client.close()


class RateLimiter:
    """Redis when configured and reachable, else this process's own counters."""

    def __init__(self, settings: Settings, clock: Any = time.time) -> None:
        self.settings = settings
        self.clock = clock
        self.local = LocalCounter()
        self.redis = (
            RedisCounter(settings.rate_limit_redis_url, settings.rate_limit_redis_prefix)
            if settings.rate_limit_redis_url
            else None
        )
        self._redis_down_until = 0.0
        self._last_warning = -math.inf

    def hit(
        self, bucket: str, limit: int, count: bool = True, window: int | None = None
    ) -> Decision:
        """Whether one more call fits in ``bucket``; counted when it does, unless ``count`` is
        False (a check only). ``window``: seconds, when not the usual rate-limit window."""
        window = window or self.settings.rate_limit_window_seconds
        now = self.clock()
        if self.redis is not None and time.monotonic() >= self._redis_down_until:
            try:
                return self.redis.hit(bucket, limit, window, now, count)
            except self.redis.errors as exc:
                self._redis_failed(exc)
        return self.local.hit(bucket, limit, window, now, count)

    def _redis_failed(self, exc: BaseException) -> None:
        moment = time.monotonic()
        self._redis_down_until = moment + REDIS_RETRY_SECONDS
        if moment - self._last_warning >= WARNING_INTERVAL_SECONDS:
            self._last_warning = moment
            # The exception's type only: its text may hold the Redis URL with a password.
            log.warning(
                "rate limit store unreachable (%s); counting in this process for now",
                type(exc).__name__,
            )

    def close(self) -> None:
        if self.redis is not None:
            self.redis.close()


def client_address(request: Request) -> str:
    """The caller's address for counting: IPv4 as is, IPv6 by its /64."""
    host = request.client.host if request.client else None
    if not host:
        return "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host  # not an IP (a test client, a Unix socket): count it by name
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


async def get_rate_limiter(request: Request) -> RateLimiter:  # no I/O: no threadpool hop
    return request.app.state.rate_limiter


async def _counted(limiter: RateLimiter, call: Callable[..., T], *args: Any) -> T:
    """``call(*args)`` at once with this process's own counters (a dict under a lock: no
    threadpool hop for every request); from the threadpool when Redis counts (blocking)."""
    if limiter.redis is None:
        return call(*args)
    return await run_in_threadpool(call, *args)


def _limit_for(role: Role | None, settings: Settings) -> int:
    limits = {
        None: settings.rate_limit_anonymous,
        Role.initiator: settings.rate_limit_initiator,
        Role.contact: settings.rate_limit_contact,
        Role.broker: settings.rate_limit_broker,
        Role.admin: settings.rate_limit_admin,
        # A portal calls for all its residents from one server: its own, larger bucket, for
        # POST /matches too (the anonymous matches bucket is per address, not per key).
        Role.portal: settings.rate_limit_portal,
    }
    # A role added later gets the modest limit until it is given its own.
    return limits.get(role, settings.rate_limit_initiator)


def _check(
    limiter: RateLimiter,
    bucket: str,
    limit: int,
    what: str,
    count: bool = True,
    window: int | None = None,
) -> None:
    if limit <= 0:  # 0 switches this limit off
        return
    decision = limiter.hit(bucket, limit, count, window)
    if not decision.allowed:
        window = window or limiter.settings.rate_limit_window_seconds
        raise TooManyRequests(
            f"Too many requests {what}: at most {limit} per {window} seconds. "
            f"Try again in {decision.retry_after} seconds.",
            headers={"Retry-After": str(decision.retry_after)},
        )


async def enforce_rate_limit(
    request: Request,
    principal: PrincipalDep,
    settings: Annotated[Settings, Depends(get_settings)],
    limiter: Annotated[RateLimiter, Depends(get_rate_limiter)],
) -> None:
    """429 past the caller's limit."""
    await _counted(limiter, check_rate_limit, request, principal, settings, limiter)


def check_rate_limit(
    request: Request, principal: Principal, settings: Settings, limiter: RateLimiter
) -> None:
    """The body of ``enforce_rate_limit`` (blocking with Redis), for the one-hop routes too."""
    if not settings.rate_limit_enabled:
        return
    if principal.role is None:
        address = client_address(request)
        if request.method == "POST" and request.url.path == MATCHES_PATH:
            _check(
                limiter,
                f"matches:ip:{address}",
                settings.rate_limit_anonymous_matches,
                "for matches without a key from this address",
            )
        _check(
            limiter,
            f"ip:{address}",
            settings.rate_limit_anonymous,
            "without a key from this address",
        )
        return
    key = f"key:{principal.key_id}" if principal.key_id is not None else "admin-token"
    _check(limiter, key, _limit_for(principal.role, settings), "with this key")


async def guard_failed_keys(
    request: Request,
    settings: Annotated[Settings, Depends(get_settings)],
    limiter: Annotated[RateLimiter, Depends(get_rate_limiter)],
) -> AsyncIterator[None]:
    """Before a key is looked up: 429 for an address that sent too many unknown or revoked keys
    lately; every such 401 is counted on the way out. Calls without a key are left to the
    anonymous limit."""
    bucket = _failed_keys_bucket(request, settings)
    if bucket is None:
        yield
        return
    await _counted(limiter, _check_failed_keys, limiter, bucket, settings)
    try:
        yield
    except Unauthorized:
        await _counted(limiter, limiter.hit, bucket, ALWAYS)
        raise


@contextmanager
def failed_keys_guarded(
    request: Request, settings: Settings, limiter: RateLimiter
) -> Iterator[None]:
    """``guard_failed_keys`` (blocking with Redis), for the one-hop routes."""
    bucket = _failed_keys_bucket(request, settings)
    if bucket is None:
        yield
        return
    _check_failed_keys(limiter, bucket, settings)
    try:
        yield
    except Unauthorized:
        limiter.hit(bucket, ALWAYS)
        raise


def _failed_keys_bucket(request: Request, settings: Settings) -> str | None:
    if (
        not settings.rate_limit_enabled
        or settings.rate_limit_failed_keys <= 0
        or "authorization" not in request.headers
    ):
        return None
    return f"failed-keys:ip:{client_address(request)}"


def _check_failed_keys(limiter: RateLimiter, bucket: str, settings: Settings) -> None:
    _check(
        limiter,
        bucket,
        settings.rate_limit_failed_keys,
        "with unknown or revoked keys from this address",
        count=False,
    )


def limit_sign_in_links(request: Request, limiter: RateLimiter, email: str) -> None:
    """``POST /sign-in-links`` sends a mail: at most so many per address (so nobody floods a
    mailbox) and per client (so nobody floods many) within ``sign_in_rate_window_seconds``.
    The address is counted by its hash: no address is kept in a counter's name. The answer
    past a limit says nothing about whether the address is known."""
    settings = limiter.settings
    if not settings.rate_limit_enabled:
        return
    window = settings.sign_in_rate_window_seconds
    address = hashlib.sha256(email.lower().encode()).hexdigest()[:32]
    _check(
        limiter,
        f"sign-in:client:{client_address(request)}",
        settings.rate_limit_sign_in_client,
        "for sign-in links from this address",
        count=False,
        window=window,
    )
    _check(
        limiter,
        f"sign-in:email:{address}",
        settings.rate_limit_sign_in_email,
        "for sign-in links to this e-mail address",
        window=window,
    )
    _check(
        limiter,
        f"sign-in:client:{client_address(request)}",
        settings.rate_limit_sign_in_client,
        "for sign-in links from this address",
        window=window,
    )
