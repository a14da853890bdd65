"""The one settings class. Every knob is an environment variable with the TRUST_ prefix."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SQLITE_URL = "sqlite:///var/trustd.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRUST_", env_file=".env", extra="ignore")

    env: Literal["dev", "test", "prod"] = "dev"
    database_url: str = DEFAULT_SQLITE_URL
    redis_url: str | None = None
    # If set, an admin key with exactly this value exists (for automation); never logged.
    admin_key: SecretStr | None = None
    var_dir: Path = Path("var")
    log_level: str = "INFO"
    log_json: bool = True

    # Image ingestion limits: applied to every image input before any decoding work.
    max_image_bytes: int = Field(default=10 * 1024 * 1024, gt=0)
    max_image_pixels: int = Field(default=40_000_000, gt=0)
    min_image_side: int = Field(default=16, gt=0)
    max_images_per_request: int = Field(default=20, gt=0)
    max_request_bytes: int = Field(default=64 * 1024 * 1024, gt=0)

    # Catalog
    catalog_page_default: int = Field(default=50, gt=0)
    catalog_page_max: int = Field(default=500, gt=0)

    # Auth: how long a resolved key stays cached (revocation invalidates it at once).
    key_cache_seconds: int = Field(default=30, ge=0)

    # --- domain settings are added below this line, one block per domain ---

    @model_validator(mode="after")
    def _refuse_weak_secrets_outside_dev(self) -> Settings:
        if self.env == "prod" and self.admin_key is not None:
            value = self.admin_key.get_secret_value()
            if len(value) < 24 or value.lower() in {"admin", "changeme", "secret", "password"}:
                raise ValueError("TRUST_ADMIN_KEY is too weak for TRUST_ENV=prod (min 24 chars)")
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
