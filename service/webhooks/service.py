"""Webhook endpoints per platform and the event outbox.

Events are written as delivery rows inside the caller's transaction (the outbox pattern):
a decision and the notice of it commit together or not at all, and a crash between commit
and sending loses nothing, because the dispatcher sends whatever is still pending.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy.orm import Session

from service.kit.db import utcnow
from service.kit.errors import NotFound
from service.kit.settings import Settings
from service.webhooks import repository
from service.webhooks.sealing import seal, seal_key
from service.webhooks.signing import new_secret
from service.webhooks.tables import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from service.webhooks.urls import check_webhook_url

EVENT_TYPES = ("review.decided", "appeal.decided", "assessment.updated", "assessment.checked")


def register_endpoint(session: Session, platform_id: str, url: str,
                      settings: Settings) -> tuple[WebhookEndpoint, str]:
    """The new endpoint and its signing secret: shown to the platform once, stored sealed."""
    check_webhook_url(url, settings.webhook_allow_private_urls)
    secret = new_secret()
    endpoint = WebhookEndpoint(platform_id=platform_id, url=url, active=True,
                               secret=seal(seal_key(settings), secret, platform_id))
    repository.add(session, endpoint)
    session.commit()
    return endpoint, secret


def list_endpoints(session: Session, platform_id: str) -> list[WebhookEndpoint]:
    return repository.active_endpoints(session, platform_id)


def deactivate_endpoint(session: Session, platform_id: str, endpoint_id: int) -> None:
    endpoint = repository.get_endpoint(session, endpoint_id)
    if endpoint is None or endpoint.platform_id != platform_id or not endpoint.active:
        raise NotFound(f"no webhook endpoint {endpoint_id}", code="webhook_not_found")
    endpoint.active = False
    session.commit()


def enqueue_event(session: Session, platform_id: str, event_type: str, data: dict[str, Any],
                  now: dt.datetime | None = None) -> list[WebhookDelivery]:
    """Adds one delivery per active endpoint of the platform; the caller commits."""
    now = now or utcnow()
    event_id = "evt_" + uuid.uuid4().hex
    payload = {"id": event_id, "type": event_type, "created_at": now.isoformat(),
               "platform_id": platform_id, "data": data}
    deliveries = []
    for endpoint in repository.active_endpoints(session, platform_id):
        delivery = WebhookDelivery(
            endpoint_id=endpoint.id, platform_id=platform_id, event_id=event_id,
            event_type=event_type, payload=payload, status="pending", attempts=0,
            next_attempt_at=now, created_at=now)
        repository.add(session, delivery)
        deliveries.append(delivery)
    return deliveries


def list_deliveries(session: Session, platform_id: str, limit: int, event_id: str | None
                    ) -> list[tuple[WebhookDelivery, list[WebhookAttempt]]]:
    rows = repository.deliveries_of(session, platform_id, limit, event_id)
    attempts = repository.attempts_of(session, [d.id for d in rows])
    return [(d, attempts[d.id]) for d in rows]
