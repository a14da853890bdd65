"""The public badge follows moderator decisions at once: in the process that took the
decision, and in every other process through the shared cache's announcements (Redis).
Without Redis another process lags by at most the short local TTL."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager

import pytest
from fastapi.testclient import TestClient

from service.app.factory import create_app
from service.sellers.reputation import LOCAL_ONLY_SECONDS

COUNTERFEIT = {"decision": "remove", "reason_codes": ["counterfeit"], "note": "fake"}


def _remove_as_counterfeit(client: TestClient, moderator: dict[str, str], item: int) -> None:
    claimed = client.post(f"/v1/review/items/{item}/claim", headers=moderator)
    assert claimed.status_code == 200, claimed.text
    decided = client.post(f"/v1/review/items/{item}/decision", json=COUNTERFEIT,
                          headers=moderator)
    assert decided.status_code == 200, decided.text


def _badges(client: TestClient, seller: str) -> tuple[str, bytes]:
    as_json = client.get(f"/v1/sellers/{seller}/badge.json")
    as_svg = client.get(f"/v1/sellers/{seller}/badge.svg")
    assert as_json.status_code == as_svg.status_code == 200
    return as_json.json()["message"], as_svg.content


def test_badge_changes_at_once_when_a_listing_is_removed_as_counterfeit(
        client: TestClient, api_keys, make_flagged: Callable[..., int]) -> None:
    item = make_flagged(seller="seller-lucky")
    message, svg = _badges(client, "seller-lucky")  # now memoised in this process
    assert message == "new"
    assert _badges(client, "seller-lucky") == (message, svg)
    _remove_as_counterfeit(client, api_keys.moderator, item)
    after, after_svg = _badges(client, "seller-lucky")
    assert after == "warning"
    assert after_svg != svg and b"warning" in after_svg


@contextmanager
def _two_processes(make_settings, database_url: str, **overrides: object) -> Iterator[
        tuple[TestClient, TestClient]]:
    """Two app instances on one database, as two server processes are (each its own
    memo, cache and, with Redis, its own subscription)."""
    settings = make_settings(database_url=database_url, **overrides)
    with ExitStack() as stack:
        first = stack.enter_context(TestClient(create_app(settings, load_in_background=False)))
        second = stack.enter_context(TestClient(create_app(settings, load_in_background=False)))
        yield first, second


def _wait_for_message(client: TestClient, seller: str, wanted: str, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while True:
        message, _ = _badges(client, seller)
        if message == wanted or time.monotonic() > deadline:
            return message
        time.sleep(0.05)


@pytest.mark.redis
def test_a_decision_in_one_process_changes_the_badge_another_process_serves(
        make_settings, database_url: str, redis_url: str, api_keys,
        make_flagged: Callable[..., int]) -> None:
    item = make_flagged(seller="seller-shared")
    with _two_processes(make_settings, database_url, redis_url=redis_url) as (one, other):
        assert _badges(other, "seller-shared")[0] == "new"  # memoised in `other`
        assert _badges(other, "seller-shared")[0] == "new"
        _remove_as_counterfeit(one, api_keys.moderator, item)
        # The announcement crosses Redis pub/sub: milliseconds, never the memo's 30 s.
        assert _wait_for_message(other, "seller-shared", "warning", timeout=3.0) == "warning"


def test_without_redis_another_process_catches_up_within_the_local_ttl(
        make_settings, database_url: str, api_keys,
        make_flagged: Callable[..., int]) -> None:
    item = make_flagged(seller="seller-local")
    with _two_processes(make_settings, database_url) as (one, other):
        assert _badges(other, "seller-local")[0] == "new"
        _remove_as_counterfeit(one, api_keys.moderator, item)
        assert _badges(one, "seller-local")[0] == "warning"  # the deciding process: at once
        # Another process cannot be told without Redis: its entry lives LOCAL_ONLY_SECONDS.
        seen = _wait_for_message(other, "seller-local", "warning",
                                 timeout=LOCAL_ONLY_SECONDS * 2 + 2)
        assert seen == "warning"
