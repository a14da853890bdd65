"""Webhook signing secrets are stored sealed, open only under the right key and tenant."""

from __future__ import annotations

import stat

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select

from service.webhooks.delivery import deliver_due
from service.webhooks.receiver import WebhookReceiver
from service.webhooks.sealing import PREFIX, SealError, seal, seal_key, startup_step, unseal
from service.webhooks.service import enqueue_event
from service.webhooks.tables import WebhookEndpoint

KEY = "k" * 40


@pytest.fixture
def settings(make_settings, database_url):
    return make_settings(database_url=database_url, webhook_allow_private_urls=True,
                         webhook_dispatcher_enabled=False)


def test_the_database_never_holds_the_plain_secret_and_deliveries_still_verify(
        client: TestClient, api_keys, settings) -> None:
    receiver = WebhookReceiver().start()
    try:
        created = client.post("/v1/webhooks", json={"url": receiver.url},
                              headers=api_keys.platform)
        assert created.status_code == 201, created.text
        secret = created.json()["secret"]
        factory = client.app.state.trust.session_factory  # type: ignore[attr-defined]
        with factory() as session:
            stored = session.scalar(select(WebhookEndpoint.secret))
            assert stored is not None and stored.startswith(PREFIX)
            assert secret not in stored
            enqueue_event(session, "shop-a", "review.decided", {"item_id": 1})
            session.commit()
        receiver.secret = secret
        assert deliver_due(factory, settings) == 1
        assert [r.verified for r in receiver.received] == [True]
    finally:
        receiver.stop()


def test_a_sealed_secret_opens_only_for_its_platform_and_key(make_settings) -> None:
    key = seal_key(make_settings(webhook_seal_key=SecretStr(KEY)))
    sealed = seal(key, "whsec_abc", "shop-a")
    assert unseal(key, sealed, "shop-a") == "whsec_abc"
    with pytest.raises(SealError):
        unseal(key, sealed, "shop-b")  # copied onto another tenant's row
    other = seal_key(make_settings(webhook_seal_key=SecretStr("o" * 40)))
    with pytest.raises(SealError):
        unseal(other, sealed, "shop-a")
    assert seal(key, "whsec_abc", "shop-a") != sealed  # a fresh nonce every time
    assert unseal(key, "whsec_stored_before_sealing", "shop-a") == "whsec_stored_before_sealing"


def test_prod_needs_a_strong_seal_key_and_never_echoes_it(make_settings) -> None:
    with pytest.raises(RuntimeError, match="must be set"):
        startup_step(make_settings(env="prod", webhook_seal_key=None))
    with pytest.raises(RuntimeError, match="at least 32") as caught:
        startup_step(make_settings(env="prod", webhook_seal_key=SecretStr("short-key-value")))
    assert "short-key-value" not in str(caught.value)
    startup_step(make_settings(env="prod", webhook_seal_key=SecretStr(KEY)))


def test_dev_key_is_generated_once_owner_only(make_settings, tmp_path) -> None:
    settings = make_settings(env="dev", var_dir=tmp_path / "var")
    first = seal_key(settings)
    path = tmp_path / "var" / "secrets" / "webhook-seal.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert seal_key(settings) == first
