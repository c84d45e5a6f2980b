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
    area_floor: float = Field(default=0.25, ge=0, le=1)
    openness_floor: float = Field(default=0.35, ge=0, le=1)
    capacity_floor: float = Field(default=0.25, ge=0, le=1)
    novelty: float = Field(default=0.35, ge=0, le=5)
    redundancy: float = Field(default=0.25, ge=0, le=1)

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
    # Largest request body accepted (bytes); larger ones get 413 before the body is read.
    max_body_bytes: int = 1024 * 1024
    # Connection pool; sized above the request thread pool so requests never queue for a
    # connection indefinitely (see FastAPI issue #3205), and bounded waits answer 503.
    db_pool_size: int = 20
    db_max_overflow: int = 20
    db_pool_timeout_seconds: float = 5.0
    matching: MatchingSettings = Field(default_factory=MatchingSettings)
    # Introductions: open ones (requested or accepted) within this many days count against a
    # contact's capacityPerMonth; an initiative may have at most this many open at once.
    introduction_window_days: int = Field(default=30, ge=1, le=365)
    max_open_introductions_per_initiative: int = Field(default=5, ge=1, le=100)

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value


@lru_cache
def get_settings() -> Settings:
    return Settings()
