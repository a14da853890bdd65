"""All SQL for the review queue. Claims and decisions are single conditional UPDATEs, so
two moderators racing for one item are settled by the database, on SQLite and PostgreSQL
alike, with no lock held in any worker's memory (leases survive restarts)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Connection, Select, and_, bindparam, case, func, or_, select, update
from sqlalchemy.orm import Session

from service.review.tables import ReviewAudit, ReviewItem

LEVEL_RANK = {"high": 0, "medium": 1, "low": 2}


@dataclass(frozen=True)
class QueueFilter:
    queue: str = "standard"
    level: str | None = None
    brand: str | None = None
    reason: str | None = None
    platform_id: str | None = None
    min_age_minutes: float | None = None
    max_age_minutes: float | None = None
    include_claimed: bool = False
    not_excluding: str | None = None  # leave out items this holder may not take


def get_item(session: Session, item_id: int) -> ReviewItem | None:
    return session.get(ReviewItem, item_id)


def item_for_listing(session: Session, listing_pk: int) -> ReviewItem | None:
    return session.scalar(select(ReviewItem).where(ReviewItem.listing_pk == listing_pk))


_ITEM_ID = select(ReviewItem.id).where(ReviewItem.listing_pk == bindparam("listing_pk"))


def item_id_for_listing(connection: Session | Connection, listing_pk: int) -> int | None:
    """The listing's review item id (any status), or None; a plain column, no ORM object."""
    return connection.execute(_ITEM_ID, {"listing_pk": listing_pk}).scalar()


def _filtered(query: Select[Any], f: QueueFilter, now: dt.datetime) -> Select[Any]:
    query = query.where(ReviewItem.status == "open", ReviewItem.queue == f.queue)
    if not f.include_claimed:
        query = query.where(or_(ReviewItem.lease_holder.is_(None),
                                ReviewItem.lease_expires_at <= now))
    if f.level:
        query = query.where(ReviewItem.level == f.level)
    if f.brand:
        query = query.where(ReviewItem.brand == f.brand)
    if f.reason:
        query = query.where(ReviewItem.reason_codes.contains(f",{f.reason},", autoescape=True))
    if f.platform_id:
        query = query.where(ReviewItem.platform_id == f.platform_id)
    if f.min_age_minutes is not None:
        query = query.where(
            ReviewItem.enqueued_at <= now - dt.timedelta(minutes=f.min_age_minutes))
    if f.max_age_minutes is not None:
        query = query.where(
            ReviewItem.enqueued_at >= now - dt.timedelta(minutes=f.max_age_minutes))
    if f.not_excluding:  # items an appeal or escalation keeps from this holder are left out
        query = query.where(or_(ReviewItem.excluded_holder.is_(None),
                                ReviewItem.excluded_holder != f.not_excluding))
    return query


def queue_page(session: Session, f: QueueFilter, now: dt.datetime, limit: int,
               offset: int) -> list[ReviewItem]:
    level_rank = case(LEVEL_RANK, value=ReviewItem.level, else_=3)
    # Highest level first; within a level the longest-waiting first, then the riskiest.
    query = _filtered(select(ReviewItem), f, now).order_by(
        level_rank, ReviewItem.enqueued_at, ReviewItem.risk.desc(), ReviewItem.id)
    return list(session.scalars(query.limit(limit).offset(offset)))


@dataclass(frozen=True)
class QueueCursor:
    """The last item of a page, in the queue's order (level, age, risk, id)."""

    level: str
    enqueued_at: dt.datetime
    risk: float
    id: int


def queue_keyset(session: Session, f: QueueFilter, now: dt.datetime, limit: int,
                 after: QueueCursor | None = None) -> list[ReviewItem]:
    """`queue_page`'s order, paged by the last item seen: one index range per level
    (ix_review_items_queue_order), so a page costs the same at any depth of the queue."""
    levels = [f.level] if f.level else list(LEVEL_RANK)
    if after is not None and after.level in levels:
        levels = levels[levels.index(after.level):]
    out: list[ReviewItem] = []
    for level in levels:
        query = _filtered(select(ReviewItem), replace(f, level=level), now)
        if after is not None and after.level == level:
            query = query.where(or_(
                ReviewItem.enqueued_at > after.enqueued_at,
                and_(ReviewItem.enqueued_at == after.enqueued_at, or_(
                    ReviewItem.risk < after.risk,
                    and_(ReviewItem.risk == after.risk, ReviewItem.id > after.id)))))
        query = query.order_by(ReviewItem.enqueued_at, ReviewItem.risk.desc(), ReviewItem.id)
        out.extend(session.scalars(query.limit(limit - len(out))))
        if len(out) >= limit:
            break
    return out


def queue_counts(session: Session, platform_id: str | None, now: dt.datetime,
                 ages_minutes: tuple[float, ...]) -> list[tuple[Any, ...]]:
    """(queue, level, open items, then how many of them are younger than each age) for
    every non-empty (queue, level): one pass over the queue-order index."""
    younger = [func.sum(case((ReviewItem.enqueued_at > now - dt.timedelta(minutes=m), 1),
                             else_=0)) for m in ages_minutes]
    query = select(ReviewItem.queue, ReviewItem.level, func.count(), *younger).where(
        ReviewItem.status == "open")
    if platform_id:
        query = query.where(ReviewItem.platform_id == platform_id)
    rows = session.execute(query.group_by(ReviewItem.queue, ReviewItem.level))
    return [tuple(row) for row in rows]


def held_by(session: Session, holder: str, now: dt.datetime) -> ReviewItem | None:
    """An open item this holder still holds a lease on (the oldest such claim)."""
    return session.scalars(select(ReviewItem).where(
        ReviewItem.status == "open", ReviewItem.lease_holder == holder,
        ReviewItem.lease_expires_at > now).order_by(ReviewItem.id).limit(1)).first()


def seller_items(session: Session, platform_id: str, seller_id: str, exclude_id: int,
                 limit: int) -> list[ReviewItem]:
    """The seller's other review items on the platform, newest first."""
    return list(session.scalars(select(ReviewItem).where(
        ReviewItem.platform_id == platform_id, ReviewItem.seller_id == seller_id,
        ReviewItem.id != exclude_id).order_by(ReviewItem.id.desc()).limit(limit)))


def try_claim(session: Session, item_id: int, holder: str, holder_name: str,
              now: dt.datetime, expires: dt.datetime) -> bool:
    result = session.execute(
        update(ReviewItem)
        .where(ReviewItem.id == item_id, ReviewItem.status == "open",
               or_(ReviewItem.lease_holder.is_(None), ReviewItem.lease_expires_at <= now,
                   ReviewItem.lease_holder == holder),
               or_(ReviewItem.excluded_holder.is_(None), ReviewItem.excluded_holder != holder))
        .values(lease_holder=holder, lease_holder_name=holder_name, lease_expires_at=expires,
                updated_at=now)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


def update_if_holder(session: Session, item_id: int, holder: str, now: dt.datetime,
                     values: dict[str, Any]) -> bool:
    """Applies `values` only while `holder` holds an unexpired lease on the open item."""
    result = session.execute(
        update(ReviewItem)
        .where(ReviewItem.id == item_id, ReviewItem.status == "open",
               ReviewItem.lease_holder == holder, ReviewItem.lease_expires_at > now)
        .values(updated_at=now, **values)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


def add_audit(session: Session, entry: ReviewAudit) -> None:
    session.add(entry)
    session.flush()


def audit_page(session: Session, limit: int, after_id: int | None, item_id: int | None,
               actor: str | None, action: str | None, *, platform_id: str | None = None,
               since: dt.datetime | None = None,
               until: dt.datetime | None = None) -> list[ReviewAudit]:
    query = select(ReviewAudit)
    if platform_id is not None:
        query = query.where(ReviewAudit.platform_id == platform_id)
    if since is not None:
        query = query.where(ReviewAudit.created_at >= since)
    if until is not None:
        query = query.where(ReviewAudit.created_at < until)
    if after_id is not None:
        query = query.where(ReviewAudit.id > after_id)
    if item_id is not None:
        query = query.where(ReviewAudit.item_id == item_id)
    if actor is not None:
        query = query.where(or_(ReviewAudit.actor == actor, ReviewAudit.actor_name == actor))
    if action is not None:
        query = query.where(ReviewAudit.action == action)
    return list(session.scalars(query.order_by(ReviewAudit.id).limit(limit)))


def appealed_items(session: Session, platform_id: str | None, limit: int) -> list[ReviewItem]:
    """Items a platform appealed, open ones first, newest first."""
    query = select(ReviewItem).where(ReviewItem.appeals > 0)
    if platform_id:
        query = query.where(ReviewItem.platform_id == platform_id)
    open_first = case((ReviewItem.status == "open", 0), else_=1)
    return list(session.scalars(query.order_by(open_first, ReviewItem.updated_at.desc())
                                .limit(limit)))


def decided_items(session: Session) -> Iterator[ReviewItem]:
    yield from session.scalars(select(ReviewItem).where(ReviewItem.status == "decided")
                               .order_by(ReviewItem.id))


def last_decision(session: Session, item_id: int) -> ReviewAudit | None:
    return session.scalars(select(ReviewAudit).where(ReviewAudit.item_id == item_id,
                                                     ReviewAudit.action == "decision")
                           .order_by(ReviewAudit.id.desc())).first()
