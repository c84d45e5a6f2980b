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

    text: float = Field(
        default=_ENGINE.text, ge=0, le=10, description="Relative weight of the text signal (BM25F)."
    )
    theme: float = Field(
        default=_ENGINE.theme, ge=0, le=10, description="Relative weight of the theme signal."
    )
    need: float = Field(
        default=_ENGINE.need, ge=0, le=10, description="Relative weight of the need signal."
    )
    network: float = Field(
        default=_ENGINE.network, ge=0, le=10, description="Relative weight of the network signal."
    )
    local: float = Field(
        default=_ENGINE.local,
        ge=0,
        le=1,
        description="Subject first: the relevance of an area's general first contact where "
        "they serve or know the area.",
    )
    running: float = Field(
        default=_ENGINE.running,
        ge=0,
        le=1,
        description="Who is in the running: at least this share of the best topical relevance.",
    )
    minimum: float = Field(
        default=_ENGINE.minimum,
        ge=0,
        le=1,
        description="Nobody with a relevance below this is in the running, however few fit better.",
    )
    area_floor: float = Field(
        default=_ENGINE.area_floor,
        ge=0,
        le=1,
        description="What is left of a score when the area fit is 0.",
    )
    openness_floor: float = Field(
        default=_ENGINE.openness_floor,
        ge=0,
        le=1,
        description="What is left of a score for someone not open to initiatives.",
    )
    capacity_floor: float = Field(
        default=_ENGINE.capacity_floor,
        ge=0,
        le=1,
        description="What is left of a score for someone with no room left this month.",
    )
    language_floor: float = Field(
        default=_ENGINE.language_floor,
        ge=0,
        le=1,
        description="For a question in English: what is left of a score for someone who "
        "speaks no English.",
    )
    novelty: float = Field(
        default=_ENGINE.novelty,
        ge=0,
        le=5,
        description="Coverage-aware re-rank: the bonus for needs nobody higher up covers.",
    )
    redundancy: float = Field(
        default=_ENGINE.redundancy,
        ge=0,
        le=1,
        description="Coverage-aware re-rank: the penalty for looking like someone already chosen.",
    )
    # Learning from outcomes (see matching.signals.track_record); 0 switches it off.
    experience: float = Field(
        default=_ENGINE.experience,
        ge=0,
        le=0.9,
        description="Learning: how far a track record moves a score either way "
        "(a factor in 1 ± this); 0 switches learning off.",
    )
    prior_strength: float = Field(
        default=_ENGINE.prior_strength,
        gt=0,
        le=100,
        description="Learning: the weight, in outcomes, of the neutral prior of a track record.",
    )

    def weights(self) -> Weights:
        return Weights(**self.model_dump())


class Settings(BaseSettings):
    # Every field has a description: scripts/configuration_reference.py writes
    # docs/configuration.md from them, and a test keeps the two equal.
    model_config = SettingsConfigDict(
        env_prefix="WEGWIJS_", env_file=".env", env_nested_delimiter="__", extra="ignore"
    )

    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        description="SQLAlchemy URL of the database; PostgreSQL in production "
        "(`postgresql+psycopg://user:password@host:5432/name`).",
    )
    admin_token: str | None = Field(
        default=None,
        description="When set, this bearer token is a national admin key (to bootstrap key "
        "management).",
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated browser origins allowed to call the API; empty: none. "
        "The OpenAPI document is open to all origins.",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", description="The lowest level logged."
    )
    log_format: Literal["auto", "json", "text"] = Field(
        default="auto",
        description="`json`: one JSON object per line, for log collectors; `text`: for reading; "
        "`auto`: text when stderr (where the logs go) is a terminal, JSON otherwise.",
    )
    metrics_token: str | None = Field(
        default=None,
        description="A bearer token that may read `/metrics` and nothing else, for the "
        "Prometheus scraper; national admin keys always may.",
    )
    max_body_bytes: int = Field(
        default=1024 * 1024,
        description="Largest request body accepted; larger ones get 413 before they are read.",
    )
    # Staff load whole directories, tens of MB, in one request.
    max_import_body_bytes: int = Field(
        default=64 * 1024 * 1024,
        description="The same for `POST /api/v1/imports` only (admins' bulk directory loads).",
    )
    # Sized above the request thread pool so requests never queue for a connection
    # indefinitely (see FastAPI issue #3205), and bounded waits answer 503.
    db_pool_size: int = Field(
        default=20, description="PostgreSQL: connections kept in each process's pool."
    )
    db_max_overflow: int = Field(
        default=20, description="PostgreSQL: connections a process may open beyond the pool."
    )
    db_pool_timeout_seconds: float = Field(
        default=5.0, description="How long a request waits for a pooled connection before 503."
    )
    # Never hang on the database (see api/core/persistence.py). Together these bound a request to
    # about ping + connect (4 s) while the database does not answer, and /ready to
    # ready_timeout_seconds.
    db_connect_timeout_seconds: int = Field(
        default=3,
        ge=2,
        le=60,
        description="PostgreSQL: connecting takes at most this (libpq counts whole seconds, "
        "at least 2).",
    )
    db_statement_timeout_seconds: float = Field(
        default=30.0,
        gt=0,
        le=3600,
        description="PostgreSQL: the server ends a statement after this (`statement_timeout`).",
    )
    db_ping_timeout_seconds: float = Field(
        default=1.0,
        gt=0,
        le=30,
        description="PostgreSQL: a pooled connection must answer a ping within this before use.",
    )
    db_wait_grace_seconds: float = Field(
        default=2.0,
        ge=0,
        le=60,
        description="PostgreSQL: the client waits this long past the statement timeout, then "
        "closes the connection.",
    )
    # A dead peer or a cut network is noticed by the kernel, also on idle pooled connections.
    db_keepalives_idle_seconds: int = Field(
        default=30,
        ge=1,
        le=7200,
        description="PostgreSQL: idle time before the first TCP keepalive.",
    )
    db_keepalives_interval_seconds: int = Field(
        default=10, ge=1, le=600, description="PostgreSQL: time between TCP keepalives."
    )
    db_keepalives_count: int = Field(
        default=3,
        ge=1,
        le=50,
        description="PostgreSQL: unanswered TCP keepalives before the connection is dead.",
    )
    db_tcp_user_timeout_seconds: float = Field(
        default=15.0,
        ge=1,
        le=600,
        description="PostgreSQL: data unacknowledged this long closes the connection "
        "(a cut network).",
    )
    db_busy_timeout_seconds: float = Field(
        default=30.0,
        gt=0,
        le=600,
        description="SQLite: how long a writer waits for another's write lock before 503.",
    )
    ready_timeout_seconds: float = Field(
        default=0.8,
        gt=0,
        le=30,
        description="`/ready` answers within this, also when the database hangs (503 then).",
    )
    matching: MatchingSettings = Field(
        default_factory=MatchingSettings, description="Weights of the ranking."
    )
    # So no initiator waits for a first build.
    index_warmup: bool = Field(
        default=True,
        description="Build every municipality's matching index when the process starts, in "
        "the background (`/ready` answers 503 until done); `false` builds each on its first "
        "match.",
    )
    introduction_window_days: int = Field(
        default=30,
        ge=1,
        le=365,
        description="Open introductions (requested or accepted) created this recently count "
        "against a contact's `capacityPerMonth`; a request's links in mails expire with it.",
    )
    max_open_introductions_per_initiative: int = Field(
        default=5,
        ge=1,
        le=100,
        description="Open introductions one initiative may have at once; more get 409 "
        "(`too-many-open-introductions`).",
    )
    # Broken connections (GET /insights/gaps; see api/services/insights.py for the reasoning
    # behind each default).
    gap_score_threshold: float = Field(
        default=0.40,
        ge=0,
        le=1,
        description="Broken connections: an initiative whose best match scores below this is "
        "a gap.",
    )
    stalled_introduction_days: int = Field(
        default=14,
        ge=1,
        le=365,
        description="Broken connections: a request left unanswered this long is stalled.",
    )
    overload_top_n: int = Field(
        default=3,
        ge=1,
        le=20,
        description="Broken connections: a contact is in demand when among the top this-many "
        "matches of at least as many initiatives as their `capacityPerMonth`…",
    )
    overload_min_top_matches: int = Field(
        default=3,
        ge=1,
        le=1000,
        description="…and of at least this many initiatives.",
    )
    # A likely truncated HR export must not unlist most of a municipality overnight.
    sync_max_withdrawn_share: float = Field(
        default=0.25,
        ge=0,
        le=1,
        description="A directory sync that would withdraw more than this share of a "
        "municipality's listed people (and more than ten) is refused unless the request says "
        "`allowMassWithdrawal`.",
    )
    webhook_worker: bool = Field(
        default=True, description="Run the webhook delivery thread in this process."
    )
    webhook_poll_seconds: float = Field(
        default=1.0, gt=0, le=60, description="How often the webhook worker polls the outbox."
    )
    webhook_timeout_seconds: float = Field(
        default=5.0, gt=0, le=60, description="A webhook delivery attempt takes at most this."
    )
    webhook_retry_delays_seconds: Annotated[list[float], NoDecode] = Field(
        default_factory=lambda: [10, 60, 300, 1800, 7200],
        max_length=20,
        description="Comma-separated waits before each retry of a webhook delivery; one "
        "attempt more than there are waits, then the delivery is `failed`.",
    )
    webhook_batch_size: int = Field(
        default=20, ge=1, le=500, description="Webhook deliveries a worker claims at once."
    )
    # No requests into the internal network (OWASP API7).
    webhook_allow_private_targets: bool = Field(
        default=False,
        description="`true` lets webhooks call loopback and private addresses: for development "
        "and tests only (logged at start-up).",
    )
    worker_backoff_initial_seconds: float = Field(
        default=1.0,
        gt=0,
        le=60,
        description="Background workers (webhooks, mail) wait this long before trying a "
        "database that went away again, doubling each time…",
    )
    worker_backoff_max_seconds: float = Field(
        default=30.0, gt=0, le=3600, description="…up to this."
    )
    initiator_retention_days: int = Field(
        default=365,
        ge=1,
        le=3650,
        description="An initiator's personal data is erased this many days after their "
        "initiative closed (`wegwijs privacy purge`, run daily).",
    )
    mail_retention_days: int = Field(
        default=90,
        ge=1,
        le=3650,
        description="Sent and failed mails' log (recipient, kind, status; their texts go at "
        "once) and link tokens are deleted this many days after they were written or expired "
        "(`wegwijs privacy purge`).",
    )
    # A portal's many calls should not each look its key up (api/services/key_cache.py).
    key_cache_seconds: float = Field(
        default=5.0,
        ge=0,
        le=60,
        description="How long a process trusts a verified admin, broker or portal key without "
        "looking it up again: a revocation takes effect everywhere within this time "
        "(SECURITY.md); 0: every call. Contact and initiator keys are looked up every time.",
    )
    # api/http/one_hop.py: under the GIL, more matches at once only add thread switching.
    match_concurrency: int = Field(
        default=2,
        ge=1,
        le=64,
        description="How many matches one process computes at once; the others wait their "
        "turn in order of arrival, holding no thread and no database connection. 2 lets one "
        "compute while another reads the database.",
    )
    # See docs/api.md, "Limits", and api/http/ratelimit.py: calls per window; anonymous
    # callers are counted per client address, keys per key; anonymous POST /matches runs the
    # matcher every time and has a stricter bucket of its own besides.
    rate_limit_enabled: bool = Field(
        default=True, description="Rate limits on `/api/v1`; `false` switches them all off."
    )
    rate_limit_window_seconds: int = Field(
        default=60, ge=1, le=3600, description="The sliding window the rate limits count in."
    )
    # Sized for the busiest shared address, a class of 30 on one school network (see
    # docs/api.md, "Limits"): 3 calls to open the page and 4 searches each in one minute.
    rate_limit_anonymous: int = Field(
        default=300,
        ge=0,
        le=10_000_000,
        description="Calls per window without a key, per client address (IPv6: per /64); "
        "0: no limit.",
    )
    rate_limit_anonymous_matches: int = Field(
        default=120,
        ge=0,
        le=10_000_000,
        description="Anonymous `POST /matches` per window and client address, besides the "
        "above; 0: no limit.",
    )
    rate_limit_initiator: int = Field(
        default=120,
        ge=0,
        le=10_000_000,
        description="Calls per window per initiator key; 0: no limit.",
    )
    rate_limit_contact: int = Field(
        default=120,
        ge=0,
        le=10_000_000,
        description="Calls per window per contact key; 0: no limit.",
    )
    rate_limit_broker: int = Field(
        default=3000,
        ge=0,
        le=10_000_000,
        description="Calls per window per broker key; 0: no limit.",
    )
    rate_limit_admin: int = Field(
        default=3000,
        ge=0,
        le=10_000_000,
        description="Calls per window per admin key (and `WEGWIJS_ADMIN_TOKEN`); 0: no limit.",
    )
    # A municipal portal asks on behalf of all its residents from one server.
    rate_limit_portal: int = Field(
        default=1200,
        ge=0,
        le=10_000_000,
        description="Calls per window per portal key, for everything it calls "
        "(`POST /matches` included); 0: no limit.",
    )
    rate_limit_failed_keys: int = Field(
        default=30,
        ge=0,
        le=10_000_000,
        description="Calls with an unknown or revoked key (401) per window and client address; "
        "past it, calls with any key from that address get 429; 0: no limit.",
    )
    rate_limit_redis_url: str | None = Field(
        default=None,
        description="Redis shared by all processes for the rate limit counters "
        "(`redis://127.0.0.1:6379/0`); unset: each process counts on its own.",
    )
    rate_limit_redis_prefix: str = Field(
        default="wegwijs:ratelimit:",
        description="Prefix of the counters' Redis keys, so several services can share one Redis.",
    )
    # A secret: the password is in it, so it is never shown in a log or an error.
    smtp_url: SecretStr | None = Field(
        default=None,
        description="The mail server: `smtp://host:port`, `smtp+starttls://user:password@host"
        ":587` or `smtps://user:password@host:465` (user and password URL-encoded); unset: "
        "mails wait in the outbox.",
    )
    mail_from: str = Field(
        default="Wegwijs <wegwijs@localhost>",
        min_length=3,
        max_length=250,
        pattern=r"@",
        description="The sender of every mail.",
    )
    # Also the OpenAPI document's server when set (api/http/openapi.py, server_url).
    public_url: str = Field(
        default="http://127.0.0.1:8000",
        pattern=r"^https?://[^\s#?]+$",
        description="Where people open Wegwijs; every link in a mail starts with it. When it is "
        "unset and an SMTP server is set, `wegwijs serve` uses its own `http://host:port`. When "
        "set, the OpenAPI document names `{this}/api/v1` as its server (else the address the "
        "document was asked at).",
    )
    mail_worker: bool = Field(
        default=True,
        description="Run the mail delivery thread (and the reminders) in this process.",
    )
    mail_poll_seconds: float = Field(
        default=1.0,
        gt=0,
        le=60,
        description="How often the mail worker polls the outbox (a commit in the same process "
        "wakes it at once).",
    )
    mail_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        le=120,
        description="Each step of an SMTP conversation takes at most this.",
    )
    mail_batch_size: int = Field(
        default=50, ge=1, le=1000, description="Mails sent over one SMTP connection."
    )
    mail_retry_delays_seconds: Annotated[list[float], NoDecode] = Field(
        default_factory=lambda: [10, 60, 300, 900, 1800, 3600],
        min_length=1,
        max_length=20,
        description="Comma-separated waits before each retry after a temporary failure (4xx, "
        "no connection), the last one repeated; a permanent refusal (5xx) fails a mail at once.",
    )
    mail_give_up_hours: float = Field(
        default=72,
        gt=0,
        le=24 * 30,
        description="A mail not sent this long after it was written is `failed`.",
    )
    sign_in_link_minutes: int = Field(
        default=15, ge=1, le=24 * 60, description="How long a sign-in link works."
    )
    sign_in_key_days: int = Field(
        default=30, ge=1, le=730, description="How long the key a sign-in link gives lives."
    )
    sign_in_rate_window_seconds: int = Field(
        default=3600,
        ge=1,
        le=86_400,
        description="The window the two sign-in limits below count in.",
    )
    rate_limit_sign_in_email: int = Field(
        default=5,
        ge=0,
        le=10_000_000,
        description="Sign-in links per e-mail address per window; 0: no limit.",
    )
    rate_limit_sign_in_client: int = Field(
        default=30,
        ge=0,
        le=10_000_000,
        description="Sign-in links per client address per window; 0: no limit.",
    )
    introduction_reminder_days: int = Field(
        default=7,
        ge=1,
        le=365,
        description="A request still open this long reminds the civil servant, once.",
    )
    reminder_interval_seconds: float = Field(
        default=600,
        gt=0,
        le=86_400,
        description="How often the mail worker looks for reminders to send.",
    )
    # A key's subject is a free label, so who gets the digest is written down here.
    broker_emails: Annotated[dict[str, list[str]], NoDecode] = Field(
        default_factory=dict,
        description="Who gets `wegwijs mail digest`, per municipality: "
        "`GM0363=a@x.nl,b@x.nl;GM0599=c@y.nl`.",
    )

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
