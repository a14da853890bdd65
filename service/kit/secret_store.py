"""Development secrets kept under var/ with owner-only permissions.

Only used when TRUST_ENV=dev and no secret is configured; production must configure its
secrets explicitly. Secret values are never logged, only the file path.
"""

from __future__ import annotations

import logging
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

from pydantic import SecretStr

log = logging.getLogger(__name__)

OWNER_ONLY = 0o600


def load_or_create(path: Path, create: Callable[[], str]) -> str:
    """The secret stored at `path`, creating it with `create()` on first use.

    The value is written to a private temporary file and hard-linked into place, so the file
    appears complete or not at all and two workers starting together agree on one secret.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            os.fchmod(fd, OWNER_ONLY)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(create())
                f.flush()
                os.fsync(f.fileno())
            try:
                os.link(tmp, path)
                log.info("generated development secret at %s", path)
            except FileExistsError:
                pass  # another worker won the race; use its secret
        finally:
            os.unlink(tmp)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        log.warning("tightening permissions of %s to 0600", path)
        path.chmod(OWNER_ONLY)
    return path.read_text(encoding="utf-8").strip()


def required_secret(value: SecretStr | None, name: str, env: str) -> str | None:
    """The configured secret's text; RuntimeError when a prod secret is missing.

    Secrets are checked when a domain starts rather than by a settings validator, because
    pydantic's validation errors echo the raw input, and a secret must never reach an error
    message.
    """
    if value is None:
        if env == "prod":
            raise RuntimeError(f"{name} must be set when TRUST_ENV=prod")
        return None
    return value.get_secret_value()
