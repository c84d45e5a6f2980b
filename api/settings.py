"""One settings class for the whole service, read from ``WEGWIJS_*`` environment variables."""

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_DATABASE_URL = f"sqlite:///{Path('var') / 'wegwijs.db'}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WEGWIJS_", env_file=".env", extra="ignore")

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

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value


@lru_cache
def get_settings() -> Settings:
    return Settings()
