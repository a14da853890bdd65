"""Leases under concurrency, expiry and restarts; appeals; the audit log's immutability."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from service.app.factory import create_app
from service.kit.db import utcnow
from service.kit.errors import Conflict
from service.review import service as review
from service.review.service import Actor


def test_concurrent_claims_exactly_one_wins(session_factory, make_flagged):
    item = make_flagged()
    contenders = 8
    barrier = threading.Barrier(contenders)
    outcomes: list[str] = []
    lock = threading.Lock()

    def contend(n: int) -> None:
        with session_factory() as session:
            barrier.wait()
            try:
                review.claim(session, item, Actor(f"key:{100 + n}", f"mod-{n}"), utcnow(), 600)
                result = "won"
            except Conflict:
                result = "lost"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=contend, args=(n,)) for n in range(contenders)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["lost"] * (contenders - 1) + ["won"]
    with session_factory() as session:
        claims = session.execute(text(
            "SELECT count(*) FROM review_audit WHERE item_id = :i AND action = 'claim'"),
            {"i": item}).scalar_one()
    assert claims == 1


def test_an_expired_lease_can_be_taken_over(session_factory, make_flagged):
    item = make_flagged()
    alice, bob = Actor("key:1", "alice"), Actor("key:2", "bob")
    start = utcnow()
    with session_factory() as session:
        review.claim(session, item, alice, start, lease_seconds=60)
    with session_factory() as session, pytest.raises(Conflict):
        review.claim(session, item, bob, start + dt.timedelta(seconds=59), 60)
    later = start + dt.timedelta(seconds=61)
    with session_factory() as session:
        assert review.claim(session, item, bob, later, 60).lease_holder == "key:2"
    with session_factory() as session, pytest.raises(Conflict) as refused:
        review.decide(session, item, alice, "approve", [], None, later)
    assert refused.value.code == "claimed_by_other"


def test_leases_survive_a_worker_restart(settings, api_keys, second_moderator, make_flagged,
                                         client):
    item = make_flagged()
    assert client.post(f"/v1/review/items/{item}/claim",
                       headers=api_keys.moderator).status_code == 200
    client.__exit__(None, None, None)  # the worker that granted the lease goes away
    with TestClient(create_app(settings, load_in_background=False)) as restarted:
        refused = restarted.post(f"/v1/review/items/{item}/claim", headers=second_moderator)
        assert refused.status_code == 409
        decided = restarted.post(f"/v1/review/items/{item}/decision", headers=api_keys.moderator,
                                 json={"decision": "approve"})
        assert decided.status_code == 200


def test_appeal_reopens_for_a_different_moderator(client, api_keys, second_moderator,
                                                  make_flagged):
    item = make_flagged(platform="shop-a")
    client.post(f"/v1/review/items/{item}/claim", headers=api_keys.moderator)
    client.post(f"/v1/review/items/{item}/decision", headers=api_keys.moderator,
                json={"decision": "remove", "reason_codes": ["counterfeit"]})
    listing_id = client.get(f"/v1/review/items/{item}",
                            headers=api_keys.moderator).json()["listing_id"]
    foreign = client.post(f"/v1/listings/{listing_id}/appeal", json={},
                          headers=api_keys.other_platform)
    assert foreign.status_code == 404
    appealed = client.post(f"/v1/listings/{listing_id}/appeal",
                           json={"reason": "seller sent the receipt"}, headers=api_keys.platform)
    assert appealed.status_code == 200
    assert (appealed.json()["status"], appealed.json()["appeals"]) == ("open", 1)
    twice = client.post(f"/v1/listings/{listing_id}/appeal", json={}, headers=api_keys.platform)
    assert twice.status_code == 409
    same = client.post(f"/v1/review/items/{item}/claim", headers=api_keys.moderator)
    assert same.status_code == 409
    assert same.json()["error"]["code"] == "moderator_excluded"
    assert client.post(f"/v1/review/items/{item}/claim",
                       headers=second_moderator).status_code == 200
    overturned = client.post(f"/v1/review/items/{item}/decision", headers=second_moderator,
                             json={"decision": "approve", "reason_codes": ["receipt_verified"]})
    assert overturned.json()["decision"] == "approve"
    seller = client.get(f"/v1/review/items/{item}", headers=api_keys.moderator).json()["seller_id"]
    reputation = client.get(f"/v1/sellers/{seller}/reputation", headers=api_keys.platform).json()
    assert reputation["confirmed_counterfeits"] == 0  # the overturned removal no longer counts
    actions = [e["action"] for e in client.get(
        "/v1/review/audit", params={"item_id": item}, headers=api_keys.moderator).json()["items"]]
    assert actions == ["enqueue", "claim", "decision", "appeal", "claim", "decision"]


def test_audit_rows_cannot_be_edited(session_factory, make_flagged):
    make_flagged()
    with session_factory() as session:
        with pytest.raises(DBAPIError, match="append-only"):
            session.execute(text("UPDATE review_audit SET note = 'rewritten'"))
        session.rollback()
