"""Endpoint registration policy and the delivery loop against a real local receiver."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient

from service.app.factory import create_app
from service.kit.db import utcnow
from service.webhooks.delivery import backoff_seconds, deliver_due
from service.webhooks.receiver import WebhookReceiver
from service.webhooks.service import enqueue_event


@pytest.fixture
def hook_settings(make_settings, database_url):
    return make_settings(database_url=database_url, webhook_allow_private_urls=True,
                         webhook_dispatcher_enabled=False, webhook_max_attempts=3,
                         webhook_retry_base_seconds=10)


@pytest.fixture
def client(hook_settings):
    with TestClient(create_app(hook_settings, load_in_background=False)) as test_client:
        yield test_client


@pytest.fixture
def receiver():
    hooks = WebhookReceiver().start()
    yield hooks
    hooks.stop()


def register(client, headers, url):
    response = client.post("/v1/webhooks", json={"url": url}, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def emit(client, platform: str, when: dt.datetime) -> None:
    factory = client.app.state.trust.session_factory
    with factory() as session:
        enqueue_event(session, platform, "review.decided", {"listing_id": "L1"}, when)
        session.commit()


def test_registration_returns_the_secret_once(client, api_keys, receiver):
    created = register(client, api_keys.platform, receiver.url)
    assert created["secret"].startswith("whsec_")
    listed = client.get("/v1/webhooks", headers=api_keys.platform).json()["items"]
    assert [e["id"] for e in listed] == [created["id"]]
    assert "secret" not in listed[0]
    assert client.get("/v1/webhooks", headers=api_keys.other_platform).json()["items"] == []
    assert client.post("/v1/webhooks", json={"url": receiver.url},
                       headers=api_keys.moderator).status_code == 403


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/hook", "https://10.0.0.5/hook",
                                 "ftp://example.com/x", "https://user:pw@example.com/x"])
def test_internal_or_odd_urls_are_refused_by_default(make_settings, database_url, api_keys, url):
    strict = make_settings(database_url=database_url, webhook_dispatcher_enabled=False)
    with TestClient(create_app(strict, load_in_background=False)) as strict_client:
        response = strict_client.post("/v1/webhooks", json={"url": url}, headers=api_keys.platform)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "bad_webhook_url"


def test_retries_back_off_then_give_up(client, api_keys, receiver):
    receiver.statuses.extend([500, 503, 500])
    receiver.secret = register(client, api_keys.platform, receiver.url)["secret"]
    state = client.app.state.trust
    start = utcnow()
    emit(client, "shop-a", start)
    assert deliver_due(state.session_factory, state.settings, now=start) == 1
    assert deliver_due(state.session_factory, state.settings,
                       now=start + dt.timedelta(seconds=9)) == 0
    assert deliver_due(state.session_factory, state.settings,
                       now=start + dt.timedelta(seconds=10)) == 1
    assert deliver_due(state.session_factory, state.settings,
                       now=start + dt.timedelta(seconds=29)) == 0
    assert deliver_due(state.session_factory, state.settings,
                       now=start + dt.timedelta(seconds=30)) == 1
    assert deliver_due(state.session_factory, state.settings,
                       now=start + dt.timedelta(days=1)) == 0
    delivery = client.get("/v1/webhooks/deliveries", headers=api_keys.platform).json()["items"][0]
    assert delivery["status"] == "failed"
    assert [a["status_code"] for a in delivery["attempt_log"]] == [500, 503, 500]
    assert all(r.verified for r in receiver.received)


def test_unreachable_receiver_is_logged_as_an_error(client, api_keys):
    register(client, api_keys.platform, "http://127.0.0.1:9/unreachable")
    state = client.app.state.trust
    emit(client, "shop-a", utcnow())
    assert deliver_due(state.session_factory, state.settings) == 1
    attempt = client.get("/v1/webhooks/deliveries",
                         headers=api_keys.platform).json()["items"][0]["attempt_log"][0]
    assert attempt["status_code"] is None
    assert "ConnectError" in attempt["error"]


def test_deactivated_endpoint_gets_nothing_new(client, api_keys, receiver):
    endpoint = register(client, api_keys.platform, receiver.url)
    assert client.delete(f"/v1/webhooks/{endpoint['id']}",
                         headers=api_keys.other_platform).status_code == 404
    assert client.delete(f"/v1/webhooks/{endpoint['id']}",
                         headers=api_keys.platform).status_code == 204
    emit(client, "shop-a", utcnow())
    state = client.app.state.trust
    assert deliver_due(state.session_factory, state.settings) == 0
    assert receiver.received == []


def test_backoff_doubles_up_to_the_cap():
    assert [backoff_seconds(n, 10, 60) for n in (1, 2, 3, 4, 5)] == [10, 20, 40, 60, 60]
