"""Decisions flow to the platform's webhook: signed, retried after a 500, every try logged."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient

from service.app.factory import create_app
from service.kit.db import utcnow
from service.webhooks.delivery import deliver_due
from service.webhooks.receiver import WebhookReceiver


@pytest.fixture
def hook_client(make_settings, database_url):
    settings = make_settings(database_url=database_url, webhook_allow_private_urls=True,
                             webhook_dispatcher_enabled=False, webhook_retry_base_seconds=30)
    with TestClient(create_app(settings, load_in_background=False)) as test_client:
        yield test_client


@pytest.fixture
def client(hook_client):  # the review fixtures (keys, flagged items) use this app
    return hook_client


@pytest.fixture
def receiver():
    hooks = WebhookReceiver(statuses=[500]).start()
    yield hooks
    hooks.stop()


def test_decision_webhook_is_signed_and_retried_after_a_500(client, api_keys, make_flagged,
                                                            receiver):
    registered = client.post("/v1/webhooks", json={"url": receiver.url}, headers=api_keys.platform)
    assert registered.status_code == 201
    receiver.secret = registered.json()["secret"]
    item = make_flagged(platform="shop-a")
    client.post(f"/v1/review/items/{item}/claim", headers=api_keys.moderator)
    decided = client.post(f"/v1/review/items/{item}/decision", headers=api_keys.moderator,
                          json={"decision": "remove", "reason_codes": ["counterfeit"]})
    assert decided.status_code == 200
    # The first attempt ran right after the response and got the scripted 500.
    assert [r.status for r in receiver.received] == [500]
    assert receiver.received[0].verified
    state = client.app.state.trust
    assert deliver_due(state.session_factory, state.settings) == 0  # not due yet: backoff
    later = utcnow() + dt.timedelta(seconds=31)
    assert deliver_due(state.session_factory, state.settings, now=later) == 1
    assert [r.status for r in receiver.received] == [500, 200]
    event = receiver.received[-1].event
    assert event["type"] == "review.decided"
    assert event["data"]["decision"] == "remove"
    assert event["data"]["listing_id"] == receiver.received[0].event["data"]["listing_id"]
    log = client.get("/v1/webhooks/deliveries", headers=api_keys.platform).json()["items"]
    assert len(log) == 1
    assert log[0]["status"] == "delivered"
    assert [a["status_code"] for a in log[0]["attempt_log"]] == [500, 200]
    other = client.get("/v1/webhooks/deliveries", headers=api_keys.other_platform).json()
    assert other["items"] == []


def test_appeal_outcome_is_its_own_event(client, api_keys, second_moderator, make_flagged,
                                         receiver):
    receiver.statuses.clear()
    receiver.secret = client.post("/v1/webhooks", json={"url": receiver.url},
                                  headers=api_keys.platform).json()["secret"]
    item = make_flagged(platform="shop-a")
    client.post(f"/v1/review/items/{item}/claim", headers=api_keys.moderator)
    client.post(f"/v1/review/items/{item}/decision", headers=api_keys.moderator,
                json={"decision": "remove"})
    listing_id = receiver.received[-1].event["data"]["listing_id"]
    client.post(f"/v1/listings/{listing_id}/appeal", json={"reason": "receipt"},
                headers=api_keys.platform)
    client.post(f"/v1/review/items/{item}/claim", headers=second_moderator)
    client.post(f"/v1/review/items/{item}/decision", headers=second_moderator,
                json={"decision": "approve"})
    types = [r.event["type"] for r in receiver.received if r.status == 200]
    assert types == ["review.decided", "appeal.decided"]
    assert receiver.received[-1].event["data"]["appeals"] == 1
