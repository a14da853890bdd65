"""All SQL for webhooks."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from service.webhooks.tables import WebhookAttempt, WebhookDelivery, WebhookEndpoint


def active_endpoints(session: Session, platform_id: str) -> list[WebhookEndpoint]:
    query = select(WebhookEndpoint).where(
        WebhookEndpoint.platform_id == platform_id, WebhookEndpoint.active.is_(True))
    return list(session.scalars(query.order_by(WebhookEndpoint.id)))


def get_endpoint(session: Session, endpoint_id: int) -> WebhookEndpoint | None:
    return session.get(WebhookEndpoint, endpoint_id)


def due_delivery_ids(session: Session, now: dt.datetime, limit: int) -> list[int]:
    query = (
        select(WebhookDelivery.id)
        .where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now,
               or_(WebhookDelivery.locked_until.is_(None), WebhookDelivery.locked_until < now))
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def lock_delivery(session: Session, delivery_id: int, now: dt.datetime,
                  until: dt.datetime) -> bool:
    """Takes a due delivery for one sender; another worker's concurrent try gets False."""
    result = session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id, WebhookDelivery.status == "pending",
               or_(WebhookDelivery.locked_until.is_(None), WebhookDelivery.locked_until < now))
        .values(locked_until=until)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


def deliveries_of(session: Session, platform_id: str, limit: int,
                  event_id: str | None = None) -> list[WebhookDelivery]:
    query = select(WebhookDelivery).where(WebhookDelivery.platform_id == platform_id)
    if event_id is not None:
        query = query.where(WebhookDelivery.event_id == event_id)
    return list(session.scalars(query.order_by(WebhookDelivery.id.desc()).limit(limit)))


def attempts_of(session: Session, delivery_ids: list[int]) -> dict[int, list[WebhookAttempt]]:
    out: dict[int, list[WebhookAttempt]] = {i: [] for i in delivery_ids}
    if delivery_ids:
        query = select(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(delivery_ids))
        for attempt in session.scalars(query.order_by(WebhookAttempt.id)):
            out[attempt.delivery_id].append(attempt)
    return out


def add(session: Session, row: Any) -> None:
    session.add(row)
    session.flush()


def get_delivery(session: Session, delivery_id: int) -> WebhookDelivery | None:
    return session.get(WebhookDelivery, delivery_id)
