"""The one settings class. Every knob is an environment variable with the TRUST_ prefix."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import ClassVar, Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SQLITE_URL = "sqlite:///var/trustd.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRUST_", env_file=".env", extra="ignore")

    env: Literal["dev", "test", "prod"] = "dev"
    database_url: str = DEFAULT_SQLITE_URL
    redis_url: str | None = None
    # Redis is a cache, a rate limiter and a queue, never the system of record: a call that
    # takes longer than this fails, and Redis is then skipped for `redis_retry_seconds`
    # (local cache and limits; deep checks wait in the database) before it is tried again.
    redis_timeout_seconds: float = Field(default=2.0, gt=0, le=30)
    redis_retry_seconds: float = Field(default=2.0, gt=0, le=300)
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
    # Long side over short side an image may have (a strip no matching stage can analyse:
    # refused by catalog upload and matching, skipped and flagged in a listing).
    max_image_aspect_ratio: float = Field(default=20.0, ge=1)
    # Decoded pixels: what the images of one request may declare together, and what this
    # process holds decoded at once (service/images/budget.py; about 3 bytes a pixel). A
    # request that waits longer than decode_wait_seconds for the budget gets 503 + Retry-After.
    max_request_pixels: int = Field(default=400_000_000, gt=0)
    decode_budget_pixels: int = Field(default=80_000_000, gt=0)  # two 40 MP decodes at once
    decode_wait_seconds: float = Field(default=10.0, ge=0, le=300)
    # Images by URL ({"url": ...} in a JSON image list): off unless enabled. Only public
    # addresses are ever fetched; allowing private ones is for tests and dev, refused in prod.
    image_fetch_enabled: bool = False
    image_fetch_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    image_fetch_allow_private: bool = False

    # Catalog
    catalog_page_default: int = Field(default=50, gt=0)
    catalog_page_max: int = Field(default=500, gt=0)

    # Auth: how long a resolved key stays cached (revocation invalidates it at once).
    key_cache_seconds: int = Field(default=30, ge=0)

    # --- domain settings are added below this line, one block per domain ---

    # Matching: a worker re-reads the change log at most this often before a match
    # (its own process's changes are applied at once), so other processes' catalog edits
    # are matched within this many seconds.
    matching_sync_seconds: float = Field(default=1.0, ge=0)
    # Threads analysing one request's photos for the keypoint stage at once (keypoints and
    # descriptors release the GIL): a nine-photo match takes about 60 % as long on two
    # cores; under full load the requests share the cores as before.
    matching_analysis_threads: int = Field(default=2, ge=1, le=16)
    # Set by `trustd serve --workers N` for its processes: with several, a keep-alive
    # connection whose process is saturated is asked to reconnect (service/kit/load.py).
    server_processes: int = Field(default=1, ge=1, le=64)

    # Captions: where the caption-* artifacts live; None = models/artifacts.
    caption_artifacts_dir: Path | None = None

    # Listings, review queue, webhooks and batch jobs.
    listing_image_cache_seconds: int = Field(default=7 * 86400, ge=0)  # per-image work by sha256
    # The keypoint stage runs inside `POST /v1/listings/score` when the photos the hash stage
    # left unmatched are expected to take at most this long (service/listings/inline.py);
    # otherwise they wait for a deep check. 0: always a deep check.
    listing_inline_local_budget_ms: float = Field(default=100.0, ge=0, le=10_000)
    # Per-platform decision thresholds, e.g. {"shop-a": {"review": 0.2, "block": 0.9}};
    # platforms not listed use RISK_REVIEW_AT / RISK_BLOCK_AT from models/thresholds.py.
    platform_risk_thresholds: dict[str, dict[str, float]] = Field(default_factory=dict)
    review_lease_seconds: int = Field(default=900, gt=0)
    review_page_max: int = Field(default=200, gt=0)
    webhook_timeout_seconds: float = Field(default=5.0, gt=0)
    webhook_max_attempts: int = Field(default=8, gt=0)
    webhook_retry_base_seconds: float = Field(default=10.0, gt=0)  # doubles per attempt
    webhook_retry_max_seconds: float = Field(default=3600.0, gt=0)
    # Seals webhook signing secrets at rest (service/webhooks/sealing.py): required in prod;
    # generated under var/secrets in dev and test. Never logged.
    webhook_seal_key: SecretStr | None = None
    webhook_allow_private_urls: bool = False  # localhost / private receivers (dev and tests)
    webhook_dispatcher_enabled: bool = True  # background retry loop in each worker
    webhook_poll_seconds: float = Field(default=2.0, gt=0)
    jobs_backend: Literal["auto", "inprocess", "rq"] = "auto"  # auto: rq when redis_url is set
    # CPU niceness a `trustd worker` gives itself: deep checks and batch jobs are background
    # work and must not slow the API on a shared host (0 on a host of its own).
    worker_niceness: int = Field(default=10, ge=0, le=19)
    score_batch_max: int = Field(default=1000, gt=0)
    # rq deep checks pending this long with no queue entry (Redis lost it, or was down when
    # the check was stored) are queued again; the sweep runs this often.
    deep_check_requeue_seconds: float = Field(default=5.0, gt=0, le=3600)
    # /health/ready says `degraded` when a deep check has waited this long and no worker
    # has been seen for `worker_heartbeat_seconds` x 3.
    deep_check_backlog_alert_seconds: float = Field(default=120.0, gt=0)
    worker_heartbeat_seconds: float = Field(default=10.0, gt=0, le=600)

    # Sellers and badges. Secrets are checked when the domain starts (never echoed):
    # required and strong in prod; generated once under var/secrets/ (0600) in dev; random per
    # process in test.
    pseudonym_secret: SecretStr | None = None  # HMAC key for buyer ids, >= 32 characters
    badge_signing_keys: SecretStr | None = None  # key ring JSON: python -P -m service.badges.keytool
    badge_token_ttl_days: int = Field(default=30, gt=0)
    badge_cache_seconds: int = Field(default=300, ge=0)
    reputation_cache_seconds: int = Field(default=60, ge=0)
    public_base_url: str | None = None  # for QR codes; the request's own URL when unset
    feedback_rate_limit: str = "600/minute"  # per platform key
    public_rate_limit: str = "600/minute"  # per client address, badges and public page
    report_rate_limit: str = "5/hour;2/minute"  # per client address, anonymous reports

    # Secrets TRUST_ENV=prod refuses to start without: field -> the command that makes one.
    PROD_SECRETS: ClassVar[dict[str, str]] = {
        "pseudonym_secret": "trustd secrets generate pseudonym-secret",
        "badge_signing_keys": "trustd secrets generate badge-signing-keys",
        "webhook_seal_key": "trustd secrets generate webhook-seal-key",
    }

    # Moderator console: a session ends after this long without a request, and after
    # console_session_hours in any case. Cookies are Secure outside dev unless set here.
    console_idle_minutes: int = Field(default=30, gt=0)
    console_session_hours: int = Field(default=12, gt=0)
    console_secure_cookies: bool | None = None
    console_signin_rate_limit: str = "10/minute;100/hour"  # per client address, per user name
    console_break_minutes: int = Field(default=90, gt=0)  # wellness: suggest a break after

    # Supplier networks: look listings up in the known-counterfeit banks and score links to
    # sellers with confirmed counterfeits. Off, listings are judged alone (the baseline the
    # supplier-network evaluation measures against); banks still enrol and appeals still
    # withdraw, so turning it back on loses nothing.
    supplier_signals_enabled: bool = True
    # A photo or caption posted by more than this many distinct sellers of a platform is
    # common (a stock photo, a meme, "DM for price"): it links nobody. Below it, a supplier's
    # photos link the agents who post them (service/networks/service.py).
    network_rare_max_sellers: int = Field(default=50, ge=2, le=1000)

    @model_validator(mode="after")
    def _refuse_weak_secrets_outside_dev(self) -> Settings:
        if self.env == "prod" and self.admin_key is not None:
            value = self.admin_key.get_secret_value()
            if len(value) < 24 or value.lower() in {"admin", "changeme", "secret", "password"}:
                raise ValueError("TRUST_ADMIN_KEY is too weak for TRUST_ENV=prod (min 24 chars)")
        if self.env == "prod" and self.image_fetch_allow_private:
            raise ValueError("TRUST_IMAGE_FETCH_ALLOW_PRIVATE would let any caller reach this "
                             "server's private network; it is refused for TRUST_ENV=prod")
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def background_backend(self) -> Literal["rq", "inprocess"]:
        """Where deep checks and batch jobs run: RQ workers when Redis is there (or asked
        for), else a thread inside each app process."""
        if self.jobs_backend == "rq" or (self.jobs_backend == "auto" and self.redis_url):
            return "rq"
        return "inprocess"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
