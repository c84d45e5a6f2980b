"""One settings class for the whole service, read from ``WEGWIJS_*`` environment variables."""

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from matching import Weights

DEFAULT_DATABASE_URL = f"sqlite:///{Path('var') / 'wegwijs.db'}"


class MatchingSettings(BaseModel):
    """Weights of the ranking (see matching/rank.py for the formula). Environment variables
    use a double underscore: ``WEGWIJS_MATCHING__TEXT=0.4``."""

    text: float = Field(default=0.35, ge=0, le=10)
    theme: float = Field(default=0.30, ge=0, le=10)
    need: float = Field(default=0.25, ge=0, le=10)
    network: float = Field(default=0.10, ge=0, le=10)
    local: float = Field(default=0.55, ge=0, le=1)
    running: float = Field(default=0.5, ge=0, le=1)
    minimum: float = Field(default=0.15, ge=0, le=1)
    area_floor: float = Field(default=0.25, ge=0, le=1)
    openness_floor: float = Field(default=0.35, ge=0, le=1)
    capacity_floor: float = Field(default=0.25, ge=0, le=1)
    language_floor: float = Field(default=0.85, ge=0, le=1)
    novelty: float = Field(default=0.35, ge=0, le=5)
    redundancy: float = Field(default=0.25, ge=0, le=1)
    # Learning from outcomes (see matching.signals.track_record); 0 switches it off.
    experience: float = Field(default=0.2, ge=0, le=0.9)
    prior_strength: float = Field(default=4.0, gt=0, le=100)

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
    # Never hang on the database (see api/persistence.py): connecting (libpq counts whole
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
    # Background workers (webhooks, later mail): how long to wait before trying a database
    # that went away again, doubling up to the maximum.
    worker_backoff_initial_seconds: float = Field(default=1.0, gt=0, le=60)
    worker_backoff_max_seconds: float = Field(default=30.0, gt=0, le=3600)
    # Privacy: an initiator's personal data is erased this many days after their initiative
    # closed (`wegwijs privacy purge`, run daily; see api/services/privacy.py).
    initiator_retention_days: int = Field(default=365, ge=1, le=3650)
    # Rate limits on /api/v1 (see api/ratelimit.py): calls per window, 0 = no limit. Anonymous
    # callers are counted per client address, keys per key; anonymous POST /matches runs the
    # matcher every time and has a stricter bucket of its own besides.
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

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("webhook_retry_delays_seconds", mode="before")
    @classmethod
    def _split_delays(cls, value: object) -> object:
        if isinstance(value, str):
            return [float(part) for part in value.split(",") if part.strip()]
        return value

    @field_validator("webhook_retry_delays_seconds")
    @classmethod
    def _non_negative_delays(cls, value: list[float]) -> list[float]:
        if any(delay < 0 for delay in value):
            raise ValueError("retry delays cannot be negative")
        return value


@lru_cache
def get_settings() -> Settings:
    return Settings()
