"""Sending due webhook deliveries: signed POSTs, retries with exponential backoff, and a
record of every attempt. Any worker may run `deliver_due`; a row lock taken with a
conditional UPDATE makes sure one delivery is sent by one worker at a time.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import time

import httpx
from sqlalchemy.orm import Session, sessionmaker

from service.kit.db import utcnow
from service.kit.errors import DomainError
from service.kit.settings import Settings
from service.webhooks import repository
from service.webhooks.sealing import seal_key, unseal
from service.webhooks.signing import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    signature_header,
)
from service.webhooks.tables import WebhookAttempt, WebhookDelivery
from service.webhooks.urls import check_webhook_url

log = logging.getLogger("trustd.webhooks")
USER_AGENT = "trustd-webhooks/1"


def backoff_seconds(failed_attempts: int, base: float, cap: float) -> float:
    return float(min(cap, base * 2 ** max(failed_attempts - 1, 0)))


def encode_payload(delivery: WebhookDelivery) -> bytes:
    return json.dumps(delivery.payload, sort_keys=True, separators=(",", ":")).encode()


def _send(url: str, secret: str, delivery: WebhookDelivery, settings: Settings,
          client: httpx.Client) -> tuple[int | None, str | None, str | None]:
    body = encode_payload(delivery)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        EVENT_HEADER: delivery.event_type,
        DELIVERY_HEADER: delivery.event_id,
        SIGNATURE_HEADER: signature_header(secret, int(time.time()), body),
    }
    try:
        check_webhook_url(url, settings.webhook_allow_private_urls)
        response = client.post(url, content=body, headers=headers)
    except DomainError as exc:
        return None, f"url refused: {exc.message}", None
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: {exc}"[:1000], None
    return response.status_code, None, response.text[:500]


def _attempt(session_factory: sessionmaker[Session], delivery_id: int, settings: Settings,
             client: httpx.Client, now: dt.datetime) -> bool:
    lock_for = dt.timedelta(seconds=settings.webhook_timeout_seconds + 30)
    with session_factory() as session:
        if not repository.lock_delivery(session, delivery_id, now, now + lock_for):
            session.rollback()
            return False
        delivery = repository.get_delivery(session, delivery_id)
        assert delivery is not None
        endpoint = repository.get_endpoint(session, delivery.endpoint_id)
        target = ((endpoint.url, unseal(seal_key(settings), endpoint.secret,
                                         endpoint.platform_id))
                  if endpoint and endpoint.active else None)
        session.commit()  # no transaction stays open while the receiver answers

    started = time.perf_counter()
    code: int | None
    error: str | None
    excerpt: str | None
    if target is None:
        code, error, excerpt = None, "endpoint deactivated", None
    else:
        code, error, excerpt = _send(*target, delivery, settings, client)
    elapsed_ms = (time.perf_counter() - started) * 1000

    with session_factory() as session:
        row = repository.get_delivery(session, delivery_id)
        assert row is not None
        row.attempts += 1
        repository.add(session, WebhookAttempt(
            delivery_id=row.id, attempt=row.attempts, started_at=now,
            duration_ms=elapsed_ms, status_code=code, error=error, response_excerpt=excerpt))
        row.last_status_code = code
        row.locked_until = None
        if code is not None and 200 <= code < 300:
            row.status, row.delivered_at = "delivered", now
        elif target is None or row.attempts >= settings.webhook_max_attempts:
            row.status = "failed"
        else:
            delay = backoff_seconds(row.attempts, settings.webhook_retry_base_seconds,
                                    settings.webhook_retry_max_seconds)
            row.next_attempt_at = now + dt.timedelta(seconds=delay)
        session.commit()
        log.info("webhook attempt", extra={"fields": {
            "delivery": row.id, "attempt": row.attempts, "status": code,
            "outcome": row.status}})
    return True


def deliver_due(session_factory: sessionmaker[Session], settings: Settings,
                now: dt.datetime | None = None, limit: int = 50,
                client: httpx.Client | None = None) -> int:
    """Sends every delivery due at `now`; returns how many attempts were made."""
    now = now or utcnow()
    with session_factory() as session:
        due = repository.due_delivery_ids(session, now, limit)
    if not due:
        return 0
    own_client = client is None
    client = client or httpx.Client(timeout=settings.webhook_timeout_seconds,
                                    follow_redirects=False)
    try:
        return sum(_attempt(session_factory, i, settings, client, now) for i in due)
    finally:
        if own_client:
            client.close()


def _dispatch_loop(session_factory: sessionmaker[Session], settings: Settings,
                   stop: threading.Event) -> None:
    while not stop.wait(settings.webhook_poll_seconds):
        try:
            deliver_due(session_factory, settings)
        except Exception:  # keep retrying: the database may be briefly unavailable
            log.exception("webhook dispatcher pass failed")


class Dispatcher:
    """One retry loop per worker process: sends due deliveries every poll interval."""

    def __init__(self, session_factory: sessionmaker[Session], settings: Settings) -> None:
        self._settings = settings
        self._stop = threading.Event()
        self._thread = threading.Thread(target=_dispatch_loop, name="webhook-dispatcher",
                                        daemon=True, args=(session_factory, settings, self._stop))

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=self._settings.webhook_timeout_seconds + 5)
