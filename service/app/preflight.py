"""Checks before serving: in prod, every required secret is set and valid, or the process
exits at once with one message naming all that are not and the commands that make them
(instead of a server that loads, logs one failed start-up step and idles at 503).

The list is the settings class's (`Settings.PROD_SECRETS`); each is validated by the domain
that uses it, exactly as at start-up. Messages never contain a secret's value.
"""

from __future__ import annotations

import json
import secrets as pysecrets
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from service.badges.keyring import KeyRing, SigningKey
from service.badges.secrets import badge_key_ring
from service.kit.db import utcnow
from service.kit.settings import Settings
from service.sellers.secrets import require_configured
from service.webhooks.sealing import seal_key

EXIT_CONFIG = 78
PLACEHOLDER = "replace"  # how .env.example's values start  # sysexits.h EX_CONFIG: a configuration error, not a crash

_VALIDATORS: dict[str, Callable[[Settings], object]] = {
    "pseudonym_secret": require_configured,
    "badge_signing_keys": badge_key_ring,
    "webhook_seal_key": seal_key,
}


def env_name(field: str) -> str:
    return "TRUST_" + field.upper()


@dataclass(frozen=True)
class SecretProblem:
    field: str
    problem: str  # "not set", or why the value is refused (never the value)

    @property
    def command(self) -> str:
        return Settings.PROD_SECRETS[self.field]


def secret_problems(settings: Settings) -> list[SecretProblem]:
    """Every required prod secret that is missing or refused; none outside prod."""
    if settings.env != "prod":
        return []
    problems = []
    for field in Settings.PROD_SECRETS:
        value = getattr(settings, field)
        if value is None:
            problems.append(SecretProblem(field, "not set"))
            continue
        if value.get_secret_value().strip().lower().startswith(PLACEHOLDER):
            problems.append(SecretProblem(field, "still the placeholder from .env.example"))
            continue
        try:
            _VALIDATORS[field](settings)
        except RuntimeError as exc:
            problems.append(SecretProblem(field, str(exc)))
    return problems


def problems_message(problems: list[SecretProblem]) -> str:
    width = max(len(env_name(p.field)) for p in problems)
    lines = [f"trustd will not start: TRUST_ENV=prod needs {len(problems)} secret(s) "
             "that are missing or refused:"]
    lines += [f"  {env_name(p.field):<{width}}  {p.problem}" for p in problems]
    lines.append("Generate them (each prints NAME=value lines for an env file; keep that "
                 "file out of version control and images):")
    lines += [f"  {p.command}" for p in problems]
    lines.append("or every secret at once: trustd secrets generate >> .env")
    return "\n".join(lines)


def check_prod_secrets(settings: Settings) -> None:
    """Exits the process (status EXIT_CONFIG) when a prod secret is missing or refused."""
    problems = secret_problems(settings)
    if problems:
        print(problems_message(problems), file=sys.stderr, flush=True)
        raise SystemExit(EXIT_CONFIG)


def _badge_signing_keys() -> str:
    ring = KeyRing([SigningKey.generate(utcnow())], timedelta(days=30))  # ttl: not stored
    return json.dumps(json.loads(ring.to_json()), separators=(",", ":"))


GENERATORS: dict[str, Callable[[], str]] = {
    "pseudonym-secret": lambda: pysecrets.token_urlsafe(48),
    "badge-signing-keys": _badge_signing_keys,
    "webhook-seal-key": lambda: pysecrets.token_urlsafe(48),
}


def generated_line(kind: str) -> str:
    """`TRUST_NAME=value`, single-quoted (a JSON key ring), as env files and compose read it."""
    field = kind.replace("-", "_")
    return f"{env_name(field)}='{GENERATORS[kind]()}'"
