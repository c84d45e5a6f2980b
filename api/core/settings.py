"""One settings class for the whole service, read from ``WEGWIJS_*`` environment variables."""

import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from matching import Weights
from schemas.base import EMAIL, MUNICIPALITY_CODE

DEFAULT_DATABASE_URL = f"sqlite:///{Path('var') / 'wegwijs.db'}"


_ENGINE = Weights()  # the engine's defaults


class MatchingSettings(BaseModel):
    """Weights of the ranking (see matching/rank.py for the formula). Environment variables
    use a double underscore: ``WEGWIJS_MATCHING__TEXT=0.4``. The defaults are the engine's
    own (``matching.Weights``, declared once there); this class adds only the bounds a
    setting must keep."""

    text: float = Field(default=_ENGINE.text, ge=0, le=10)
    theme: float = Field(default=_ENGINE.theme, ge=0, le=10)
    need: float = Field(default=_ENGINE.need, ge=0, le=10)
    network: float = Field(default=_ENGINE.network, ge=0, le=10)
    local: float = Field(default=_ENGINE.local, ge=0, le=1)
    running: float = Field(default=_ENGINE.running, ge=0, le=1)
    minimum: float = Field(default=_ENGINE.minimum, ge=0, le=1)
    area_floor: float = Field(default=_ENGINE.area_floor, ge=0, le=1)
    openness_floor: float = Field(default=_ENGINE.openness_floor, ge=0, le=1)
    capacity_floor: float = Field(default=_ENGINE.capacity_floor, ge=0, le=1)
    language_floor: float = Field(default=_ENGINE.language_floor, ge=0, le=1)
    novelty: float = Field(default=_ENGINE.novelty, ge=0, le=5)
    redundancy: float = Field(default=_ENGINE.redundancy, ge=0, le=1)
    # Learning from outcomes (see matching.signals.track_record); 0 switches it off.
    experience: float = Field(default=_ENGINE.experience, ge=0, le=0.9)
    prior_strength: float = Field(default=_ENGINE.prior_strength, gt=0, le=100)

    def weights(self) -> Weights:
        return Weights(**self.model_dump())


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="WEGWIJS_", env_file=".env", env_nested_delimiter="__", extra="ignore"
    )

    database_url: str = DEFAULT_DATABASE_URL
    # When set, this bearer token acts as an admin key (for bootstrapping key management).
    admin_token: str | None = None
    # Comma separated list of allowed browser origins; empty means no cross-origin access
    # except to the OpenAPI document, which is open to all.
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # One JSON object per line (for log collectors), or plain text for reading in a terminal;
    # "auto": text when stderr (where the logs go) is a terminal, JSON otherwise.
    log_format: Literal["auto", "json", "text"] = "auto"
    # A bearer token that may read /metrics (besides admin keys), for the Prometheus scraper.
    metrics_token: str | None = None
    # Largest request body accepted (bytes); larger ones get 413 before the body is read.
    max_body_bytes: int = 1024 * 1024
    # POST /api/v1/imports only (admin): staff load whole directories, tens of MB, in bulk.
    max_import_body_bytes: int = 64 * 1024 * 1024
    # Connection pool; sized above the request thread pool so requests never queue for a
    # connection indefinitely (see FastAPI issue #3205), and bounded waits answer 503.
    db_pool_size: int = 20
    db_max_overflow: int = 20
    db_pool_timeout_seconds: float = 5.0
    # Never hang on the database (see api/core/persistence.py): connecting (libpq counts whole
    # seconds, at least 2), a statement on the server, a ping of a pooled connection before
    # use, and how long past the statement timeout the client still waits for an answer.
    # Together they bound a request to about ping + connect (4 s) while the database does not
    # answer, and /ready to ready_timeout_seconds.
    db_connect_timeout_seconds: int = Field(default=3, ge=2, le=60)
    db_statement_timeout_seconds: float = Field(default=30.0, gt=0, le=3600)
    db_ping_timeout_seconds: float = Field(default=1.0, gt=0, le=30)
    db_wait_grace_seconds: float = Field(default=2.0, ge=0, le=60)
    # TCP keepalives and a bound on unacknowledged data: a dead peer or a cut network is
    # noticed by the kernel, also on idle pooled connections.
    db_keepalives_idle_seconds: int = Field(default=30, ge=1, le=7200)
    db_keepalives_interval_seconds: int = Field(default=10, ge=1, le=600)
    db_keepalives_count: int = Field(default=3, ge=1, le=50)
    db_tcp_user_timeout_seconds: float = Field(default=15.0, ge=1, le=600)
    # SQLite: how long a writer waits for another's write lock before giving up (503).
    db_busy_timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    # /ready answers within this, also when the database hangs (503 then).
    ready_timeout_seconds: float = Field(default=0.8, gt=0, le=30)
    matching: MatchingSettings = Field(default_factory=MatchingSettings)
    # Build every municipality's matching index when the process starts (in the background;
    # /ready answers 503 until done), so no initiator waits for a first build.
    index_warmup: bool = True
    # Introductions: open ones (requested or accepted) within this many days count against a
    # contact's capacityPerMonth; an initiative may have at most this many open at once.
    introduction_window_days: int = Field(default=30, ge=1, le=365)
    max_open_introductions_per_initiative: int = Field(default=5, ge=1, le=100)
    # Broken connections (GET /insights/gaps; see api/services/insights.py for the reasoning
    # behind each default). An initiative whose best match scores below the threshold is a gap.
    gap_score_threshold: float = Field(default=0.40, ge=0, le=1)
    # A requested introduction left unanswered this long is stalled.
    stalled_introduction_days: int = Field(default=14, ge=1, le=365)
    # A contact is in demand when among the top ``overload_top_n`` matches of at least as
    # many initiatives as their capacityPerMonth, and of at least ``overload_min_top_matches``.
    overload_top_n: int = Field(default=3, ge=1, le=20)
    overload_min_top_matches: int = Field(default=3, ge=1, le=1000)
    # Directory sync (POST /imports, mode sync): a document that would withdraw more than this
    # share of a municipality's listed people (and more than ten) is refused as a likely
    # truncated HR export, unless the request says allowMassWithdrawal.
    sync_max_withdrawn_share: float = Field(default=0.25, ge=0, le=1)
    # Webhooks: a background worker in every process delivers the outbox (see README).
    webhook_worker: bool = True
    webhook_poll_seconds: float = Field(default=1.0, gt=0, le=60)
    webhook_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    # Waits before each retry; one attempt more than there are delays, then "failed".
    webhook_retry_delays_seconds: Annotated[list[float], NoDecode] = Field(
        default_factory=lambda: [10, 60, 300, 1800, 7200], max_length=20
    )
    webhook_batch_size: int = Field(default=20, ge=1, le=500)
    # Webhook URLs must resolve to public addresses (no requests into the internal network,
    # OWASP API7). True allows loopback and private targets: for development and this
    # project's tests only; logged at start-up when on.
    webhook_allow_private_targets: bool = False
    # Background workers (webhooks, mail): how long to wait before trying a database
    # that went away again, doubling up to the maximum.
    worker_backoff_initial_seconds: float = Field(default=1.0, gt=0, le=60)
    worker_backoff_max_seconds: float = Field(default=30.0, gt=0, le=3600)
    # Privacy: an initiator's personal data is erased this many days after their initiative
    # closed (`wegwijs privacy purge`, run daily; see api/services/privacy.py).
    initiator_retention_days: int = Field(default=365, ge=1, le=3650)
    # The log of sent and failed mails (recipient, kind, status; their texts are gone at once)
    # and the tokens of links are deleted this many days after they were written / expired.
    mail_retention_days: int = Field(default=90, ge=1, le=3650)
    # Rate limits on /api/v1 (see api/http/ratelimit.py): calls per window, 0 = no limit. Anonymous
    # callers are counted per client address, keys per key; anonymous POST /matches runs the
    # matcher every time and has a stricter bucket of its own besides.
    # A verified admin, broker or portal key is trusted this long per process without a new
    # lookup: a revocation takes effect everywhere within this time (SECURITY.md). 0: never.
    key_cache_seconds: float = Field(default=5.0, ge=0, le=60)
    rate_limit_enabled: bool = True
    rate_limit_window_seconds: int = Field(default=60, ge=1, le=3600)
    # Sized for the busiest shared address, a class of 30 on one school network (see README,
    # Limits): 3 calls to open the page and 4 searches each in one minute.
    rate_limit_anonymous: int = Field(default=300, ge=0, le=10_000_000)
    rate_limit_anonymous_matches: int = Field(default=120, ge=0, le=10_000_000)
    rate_limit_initiator: int = Field(default=120, ge=0, le=10_000_000)
    rate_limit_contact: int = Field(default=120, ge=0, le=10_000_000)
    rate_limit_broker: int = Field(default=3000, ge=0, le=10_000_000)
    rate_limit_admin: int = Field(default=3000, ge=0, le=10_000_000)
    # A municipal portal asks on behalf of all its residents from one server: a bucket of
    # its own per portal key, for everything it may call (POST /matches included).
    rate_limit_portal: int = Field(default=1200, ge=0, le=10_000_000)
    # Calls with an unknown or revoked key (401) per client address; past it, calls with any
    # key from that address get 429 until the window slides.
    rate_limit_failed_keys: int = Field(default=30, ge=0, le=10_000_000)
    # Shared counters for several workers or hosts (redis://127.0.0.1:6379/0); without it each
    # process counts on its own. Keys are prefixed, so several services can share one Redis.
    rate_limit_redis_url: str | None = None
    rate_limit_redis_prefix: str = "wegwijs:ratelimit:"

    # Outgoing mail (see README, "Mail"). smtp://host:port, smtp+starttls://user:password@host
    # :587 or smtps://user:password@host:465 (user and password URL-encoded). Unset: mails
    # stay in the outbox, marked "not sent: no SMTP server configured". A secret: the password
    # is in it, so it is never shown in a log or an error.
    smtp_url: SecretStr | None = None
    mail_from: str = Field(
        default="Wegwijs <wegwijs@localhost>", min_length=3, max_length=250, pattern=r"@"
    )
    # Where links in mails point to: the address residents and civil servants open the page at;
    # when set, also the OpenAPI document's server (api/http/openapi.py server_url).
    public_url: str = Field(default="http://127.0.0.1:8000", pattern=r"^https?://[^\s#?]+$")
    # A worker thread in every process delivers the mail outbox (like the webhook worker).
    mail_worker: bool = True
    mail_poll_seconds: float = Field(default=1.0, gt=0, le=60)
    mail_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    mail_batch_size: int = Field(default=50, ge=1, le=1000)
    # Waits before each retry after a temporary failure (4xx, no connection); after the last
    # one the mail is retried at that interval until ``mail_give_up_hours`` after it was
    # written, then failed. A permanent refusal (5xx) fails it at once.
    mail_retry_delays_seconds: Annotated[list[float], NoDecode] = Field(
        default_factory=lambda: [10, 60, 300, 900, 1800, 3600], min_length=1, max_length=20
    )
    mail_give_up_hours: float = Field(default=72, gt=0, le=24 * 30)
    # Signing in by e-mail: how long a link works, how long the key it gives lives, and how
    # many links one address and one client may ask for per window.
    sign_in_link_minutes: int = Field(default=15, ge=1, le=24 * 60)
    sign_in_key_days: int = Field(default=30, ge=1, le=730)
    sign_in_rate_window_seconds: int = Field(default=3600, ge=1, le=86_400)
    rate_limit_sign_in_email: int = Field(default=5, ge=0, le=10_000_000)
    rate_limit_sign_in_client: int = Field(default=30, ge=0, le=10_000_000)
    # A contact is reminded once of a request still open after this many days; the mail
    # worker looks for such requests every ``reminder_interval_seconds``.
    introduction_reminder_days: int = Field(default=7, ge=1, le=365)
    reminder_interval_seconds: float = Field(default=600, gt=0, le=86_400)
    # Who gets the weekly digest (`wegwijs mail digest`): per municipality, e.g.
    # "GM0363=a@amsterdam.example,b@amsterdam.example;GM0599=c@rotterdam.example".
    broker_emails: Annotated[dict[str, list[str]], NoDecode] = Field(default_factory=dict)

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("webhook_retry_delays_seconds", "mail_retry_delays_seconds", mode="before")
    @classmethod
    def _split_delays(cls, value: object) -> object:
        if isinstance(value, str):
            return [float(part) for part in value.split(",") if part.strip()]
        return value

    @field_validator("webhook_retry_delays_seconds", "mail_retry_delays_seconds")
    @classmethod
    def _non_negative_delays(cls, value: list[float]) -> list[float]:
        if any(delay < 0 for delay in value):
            raise ValueError("retry delays cannot be negative")
        return value

    @field_validator("public_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("broker_emails", mode="before")
    @classmethod
    def _split_broker_emails(cls, value: object) -> object:
        """``GM0363=a@x.nl,b@x.nl;GM0599=c@y.nl`` → ``{"GM0363": ["a@x.nl", "b@x.nl"], …}``."""
        if not isinstance(value, str):
            return value
        emails: dict[str, list[str]] = {}
        for part in value.split(";"):
            if not part.strip():
                continue
            code, separator, addresses = part.partition("=")
            code = code.strip().upper()
            if not separator or not re.fullmatch(MUNICIPALITY_CODE, code):
                raise ValueError(f"expected GM0363=a@example.org,…; got {part.strip()!r}")
            found = [a.strip() for a in addresses.split(",") if a.strip()]
            for address in found:
                if not re.fullmatch(EMAIL, address):
                    raise ValueError(f"{address!r} is not an email address")
            emails.setdefault(code, []).extend(found)
        return emails


@lru_cache
def get_settings() -> Settings:
    return Settings()
