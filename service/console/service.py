"""The console's pages as data: the queue with its counts, and one item with every piece of
evidence for one decision. Queue logic, claims and decisions are the review domain's."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from threading import Lock
from typing import Any

from sqlalchemy.orm import Session

from models.text.normalize import normalize_text
from service.console.evidence import BoxMemo, photo_views
from service.console.people import Person
from service.console.schemas import (
    REASONS,
    CaptionPart,
    PhotoView,
    QueueQuery,
    ReasonBar,
    decode_cursor,
    encode_cursor,
)
from service.kit.errors import NotFound
from service.listings import repository as listings_repo
from service.networks import service as networks
from service.networks.schemas import NetworkOut
from service.review import repository as review_repo
from service.review import service as review
from service.review.repository import QueueCursor, QueueFilter
from service.review.tables import ReviewAudit, ReviewItem

PAGE_SIZE = 50
LEVELS = ("high", "medium", "low")
AGES = ("under_1h", "under_24h", "older")
AGE_MINUTES = (60.0, 1440.0)  # the bounds between the ages above
COUNTS_SECONDS = 5.0


def queue_filter(query: QueueQuery, person: Person, include_claimed: bool) -> QueueFilter:
    low, high = query.age_bounds()
    platform = person.platform_id or query.platform or None  # a platform's people see its own
    return QueueFilter(query.queue, query.level, query.brand or None, query.reason or None,
                       platform, low, high, include_claimed)


@dataclass(frozen=True)
class QueueView:
    counts: dict[str, dict[str, dict[str, int]]]  # queue -> level -> age -> open items
    totals: dict[str, int]  # queue -> open items
    items: list[ReviewItem]
    next_cursor: str | None


class CountsMemo:
    """The queue's counts per platform scope, reused for COUNTS_SECONDS: counting 100,000
    open items costs tens of milliseconds, and an overview a few seconds old serves as well."""

    def __init__(self, seconds: float = COUNTS_SECONDS) -> None:
        self.seconds = seconds
        self._values: dict[str | None, tuple[float, list[tuple[Any, ...]]]] = {}
        self._lock = Lock()

    def get(self, session: Session, platform_id: str | None,
            now: dt.datetime) -> list[tuple[Any, ...]]:
        with self._lock:
            hit = self._values.get(platform_id)
        if hit is not None and time.monotonic() - hit[0] < self.seconds:
            return hit[1]
        rows = review_repo.queue_counts(session, platform_id, now, AGE_MINUTES)
        with self._lock:
            self._values[platform_id] = (time.monotonic(), rows)
        return rows


def queue_view(session: Session, person: Person, query: QueueQuery, now: dt.datetime,
               memo: CountsMemo) -> QueueView:
    counts: dict[str, dict[str, dict[str, int]]] = {
        q: {lv: dict.fromkeys(AGES, 0) for lv in LEVELS} for q in ("standard", "senior")}
    totals = {"standard": 0, "senior": 0}
    for queue, level, total, under_1h, under_24h in memo.get(session, person.platform_id, now):
        if queue in counts and level in LEVELS:
            counts[queue][level].update(under_1h=int(under_1h),
                                        under_24h=int(under_24h) - int(under_1h),
                                        older=int(total) - int(under_24h))
            totals[queue] += int(total)
    items = review_repo.queue_keyset(session, queue_filter(query, person, True), now,
                                     PAGE_SIZE + 1, decode_cursor(query.after))
    more = len(items) > PAGE_SIZE
    items = items[:PAGE_SIZE]
    cursor = None
    if more and items:
        last = items[-1]
        cursor = encode_cursor(QueueCursor(last.level, last.enqueued_at, last.risk, last.id))
    return QueueView(counts, totals, items, cursor)


def visible_item(session: Session, item_id: int, person: Person) -> ReviewItem:
    """The item, or 404 for one of another platform (its existence is not told)."""
    item = review_repo.get_item(session, item_id)
    if item is None or (person.platform_id and item.platform_id != person.platform_id):
        raise NotFound(f"no review item {item_id}", code="item_not_found")
    return item


def caption_parts(caption: dict[str, Any] | None) -> list[CaptionPart]:
    """The caption cut at its lexicon spans (each span keeps its category)."""
    if not caption:
        return []
    text = str(caption.get("text", ""))
    parts, at = [], 0
    spans = sorted((s for s in caption.get("spans", []) if s.get("start") is not None),
                   key=lambda s: (s["start"], -s["end"]))
    for s in spans:
        start, end = int(s["start"]), int(s["end"])
        if start < at or end > len(text) or end <= start:
            continue  # overlapping or out of range: the earlier span wins
        if start > at:
            parts.append(CaptionPart(text[at:start]))
        parts.append(CaptionPart(text[start:end], str(s.get("category", ""))))
        at = end
    if at < len(text):
        parts.append(CaptionPart(text[at:]))
    return parts


def reason_bars(reasons: list[dict[str, Any]]) -> list[ReasonBar]:
    largest = max((abs(float(r.get("contribution", 0))) for r in reasons), default=0.0) or 1.0
    ordered = sorted(reasons, key=lambda r: -abs(float(r.get("contribution", 0))))
    return [ReasonBar(str(r["code"]), round(float(r.get("contribution", 0)), 3),
                      abs(float(r.get("contribution", 0))) / largest, r.get("evidence") or {})
            for r in ordered]


@dataclass(frozen=True)
class ItemView:
    item: ReviewItem
    held: bool  # the viewer holds the lease
    photos: list[PhotoView]
    caption: list[CaptionPart]
    normalized_caption: str
    caption_probability: float | None
    price: dict[str, Any]
    seller: dict[str, Any]
    reasons: list[ReasonBar]
    seller_items: list[ReviewItem]
    appeal: ReviewAudit | None  # the appeal that reopened the item
    appealed_decider: str | None  # who made the decision appealed (may not take it now)
    audit: list[ReviewAudit]
    reason_codes: dict[str, tuple[str, ...]]
    image_check: str
    network: NetworkOut | None  # sellers linked by rare photos or captions


def item_view(session: Session, item: ReviewItem, person: Person, memo: BoxMemo,
              now: dt.datetime, network_cap: int) -> ItemView:
    assessment = review.assessment_of(session, item)
    result: dict[str, Any] = assessment.result if assessment else {}
    photos: dict[int, tuple[str, bytes]] = {}
    if assessment is not None:
        for index in range(int(result.get("photos_checked", 0))):
            row = listings_repo.get_photo(session, item.listing_pk, assessment.content_hash,
                                          index)
            if row is not None:
                photos[index] = (row.sha256, row.data)
    caption = result.get("caption")
    audit = review_repo.audit_page(session, 200, None, item.id, None, None)
    appeals = [a for a in audit if a.action == "appeal"]
    appeal = appeals[-1] if appeals and item.appeals else None
    decider = None
    if appeal is not None:
        earlier = [a for a in audit if a.action == "decision" and a.id < appeal.id]
        decider = earlier[-1].actor_name if earlier else None
    held = (item.lease_holder == person.actor.id and item.lease_expires_at is not None
            and item.lease_expires_at > now)
    return ItemView(
        item=item, held=held, photos=photo_views(result, photos, memo),
        caption=caption_parts(caption),
        normalized_caption=normalize_text(caption["text"]) if caption else "",
        caption_probability=caption.get("probability") if caption else None,
        price=result.get("price_check") or {}, seller=result.get("seller") or {},
        reasons=reason_bars(result.get("reasons", [])),
        seller_items=review_repo.seller_items(session, item.platform_id, item.seller_id,
                                              item.id, 10),
        appeal=appeal, appealed_decider=decider, audit=audit,
        reason_codes=REASONS, image_check=(result.get("image_check") or {}).get(
            "status", "complete"),
        network=networks.network_of(session, item.platform_id, item.seller_id, network_cap))


def photo_bytes(session: Session, item: ReviewItem, index: int) -> bytes:
    assessment = review.assessment_of(session, item)
    row = listings_repo.get_photo(session, item.listing_pk, assessment.content_hash, index) \
        if assessment is not None else None
    if row is None:
        raise NotFound("no such photo", code="photo_not_found")
    return row.data


def image_check_of(session: Session, item: ReviewItem) -> str:
    assessment = review.assessment_of(session, item)
    result = assessment.result if assessment else {}
    return str((result.get("image_check") or {}).get("status", "complete"))
