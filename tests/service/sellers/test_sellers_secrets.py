"""Secrets from settings: refused when weak or missing in prod, generated and kept in dev."""

from __future__ import annotations

import json
import stat
from datetime import timedelta

import pytest

from service.badges import keytool
from service.badges.keyring import KeyRing
from service.badges.runtime import BadgesRuntime
from service.badges.runtime import build_runtime as build_badges
from service.kit.settings import Settings
from service.sellers.pseudonym import pseudonymise_buyer
from service.sellers.runtime import SellersRuntime
from service.sellers.runtime import build_runtime as build_sellers

STRONG = "k9Vd0-3mQp7sLx2ZtR8wYb4NcE6hJfUa"


class Runtimes:
    """The secrets two domains build at start-up: the sellers' pseudonym secret, then the
    badges' key ring and the form secret derived from it."""

    def __init__(self, sellers: SellersRuntime, badges: BadgesRuntime) -> None:
        self.pseudonym_secret = sellers.pseudonym_secret
        self.key_ring = badges.key_ring
        self.csrf_secret = badges.csrf_secret


def build_runtime(settings: Settings) -> Runtimes:
    sellers = build_sellers(settings)
    return Runtimes(sellers, build_badges(settings, sellers))


def test_prod_settings_load_but_the_domain_refuses_to_start_without_secrets(tmp_path):
    settings = Settings(env="prod", var_dir=tmp_path)
    with pytest.raises(RuntimeError, match="TRUST_PSEUDONYM_SECRET"):
        build_runtime(settings)
    assert not (tmp_path / "secrets").exists()


@pytest.mark.parametrize("weak", ["changeme", "short", "x" * 31])
@pytest.mark.parametrize("env", ["dev", "prod"])
def test_weak_pseudonym_secret_is_refused_without_echoing_it(weak, env, tmp_path):
    settings = Settings(env=env, var_dir=tmp_path, pseudonym_secret=weak)
    with pytest.raises(RuntimeError, match="TRUST_PSEUDONYM_SECRET") as info:
        build_runtime(settings)
    assert weak not in str(info.value)


def test_malformed_key_ring_is_refused_without_echoing_it(tmp_path):
    settings = Settings(
        var_dir=tmp_path,
        badge_signing_keys='{"keys": "sekrit-material"}',
    )
    with pytest.raises(RuntimeError, match="TRUST_BADGE_SIGNING_KEYS") as info:
        build_runtime(settings)
    assert "sekrit-material" not in str(info.value)


def test_configured_secrets_are_used_and_never_printed(tmp_path):
    keys = tmp_path / "keys.json"
    keytool.main(["new", "--out", str(keys)])
    assert stat.S_IMODE(keys.stat().st_mode) == 0o600
    ring_json = keys.read_text()
    settings = Settings(
        env="prod",
        var_dir=tmp_path,
        pseudonym_secret=STRONG,
        badge_signing_keys=ring_json,
    )
    runtime = build_runtime(settings)
    assert runtime.pseudonym_secret == STRONG.encode()
    expected_kid = KeyRing.from_json(ring_json, runtime.key_ring.token_ttl).active.kid
    assert runtime.key_ring.active.kid == expected_kid
    assert STRONG not in repr(settings) and ring_json not in repr(settings)
    assert not (tmp_path / "secrets").exists()


def test_dev_generates_private_files_once_and_reuses_them(tmp_path):
    settings = Settings(env="dev", var_dir=tmp_path / "var")
    first = build_runtime(settings)
    second = build_runtime(settings)
    folder = tmp_path / "var" / "secrets"
    for name in ("pseudonym.key", "badge-keys.json"):
        assert stat.S_IMODE((folder / name).stat().st_mode) == 0o600
    assert first.pseudonym_secret == second.pseudonym_secret
    assert first.key_ring.active.kid == second.key_ring.active.kid
    assert pseudonymise_buyer(first.pseudonym_secret, "p", "b") == pseudonymise_buyer(second.pseudonym_secret, "p", "b")
    assert first.csrf_secret != first.pseudonym_secret


def test_test_env_uses_fresh_random_secrets(tmp_path):
    settings = Settings(env="test", var_dir=tmp_path)
    a, b = build_runtime(settings), build_runtime(settings)
    assert a.pseudonym_secret != b.pseudonym_secret
    assert a.key_ring.active.kid != b.key_ring.active.kid
    assert not (tmp_path / "secrets").exists()


def test_keytool_rotates_and_lists_public_keys(tmp_path, capsys):
    keys = tmp_path / "keys.json"
    keytool.main(["new", "--out", str(keys)])
    before = KeyRing.from_json(keys.read_text(), timedelta(days=30))
    keytool.main(["rotate", "--file", str(keys)])
    keytool.main(["public", "--file", str(keys)])
    listing = json.loads(capsys.readouterr().out.split("\n", 2)[2])
    statuses = {k["kid"]: k["status"] for k in listing["keys"]}
    assert statuses[before.active.kid] == "verify-only"
    assert list(statuses.values()).count("active") == 1
    assert "seed" not in json.dumps(listing)
    assert stat.S_IMODE(keys.stat().st_mode) == 0o600


def test_missing_prod_secrets_show_in_readiness(make_settings, database_url):
    from fastapi.testclient import TestClient

    from service.app.factory import create_app

    settings = make_settings(database_url=database_url, env="prod")
    with TestClient(create_app(settings, load_in_background=False)) as client:
        ready = client.get("/health/ready")
    assert ready.status_code == 503
    assert ready.json()["checks"]["sellers"] == "error: RuntimeError"
