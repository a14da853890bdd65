"""Reputation summaries: computed from the database with the pure model, cached.

Two cache levels: the app's shared cache (Redis when configured) holds the JSON summary for
`reputation_cache_seconds`; `SummaryMemo` keeps decoded summaries in-process for the badge
endpoints, so a cached badge costs no I/O at all. New feedback, a public report or a
moderator's counterfeit decision deletes the shared entry; every process's memo listens to the
cache's deletions (announced through Redis) and drops the seller at once. Where deletions do
not reach every process (no Redis, or Redis down) both levels keep entries at most
LOCAL_ONLY_SECONDS, so a badge lags a change in another process by that much at most.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy.orm import Session

from models.reputation import (
    BuyerHistory,
    ConfirmedCounterfeit,
    Feedback,
    Reason,
    compute_reputation,
)
from service.kit.cache import Cache
from service.kit.db import utcnow
from service.sellers import repository

MODEL_VERSION = "reputation-v1"
LOCAL_ONLY_SECONDS = 5
_KEY_PREFIX = f"reputation:{MODEL_VERSION}:"


@dataclass(frozen=True)
class ReputationSummary:
    seller_id: str
    tier: str
    score: float
    lower_bound: float
    feedback_count: int
    effective_evidence: float
    counterfeit_reports: int
    confirmed_counterfeits: int
    last_feedback_at: dt.datetime | None
    days_since_last_feedback: float | None
    reasons: tuple[Reason, ...]
    computed_at: dt.datetime
    model_version: str = MODEL_VERSION

    def to_json(self) -> bytes:
        data = asdict(self)
        for name in ("last_feedback_at", "computed_at"):
            value = data[name]
            data[name] = value.isoformat() if value is not None else None
        return json.dumps(data).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> ReputationSummary:
        data: dict[str, Any] = json.loads(raw)
        data["reasons"] = tuple(Reason(**r) for r in data["reasons"])
        for name in ("last_feedback_at", "computed_at"):
            value = data[name]
            data[name] = dt.datetime.fromisoformat(value) if value is not None else None
        return cls(**data)


def compute_summary(session: Session, seller_id: str, now: dt.datetime | None = None) -> ReputationSummary:
    now = now or utcnow()
    feedback = [
        Feedback(
            buyer_key=r.buyer_key,
            rating=r.rating,
            created_at=r.created_at,
            buyer=BuyerHistory(
                first_seen=r.buyer_first_seen,
                orders_with_other_sellers=r.buyer_orders_other,
                distinct_other_sellers=r.buyer_sellers_other,
                account_created=r.buyer_account_created,
            ),
            verified_order=r.verified_order,
            as_described=r.as_described,
            counterfeit_suspected=r.counterfeit_suspected,
            order_value=float(r.order_value) if r.order_value is not None else None,
            currency=r.currency,
        )
        for r in repository.reputation_rows(session, seller_id)
    ]
    confirmed = [
        ConfirmedCounterfeit(
            confirmed_at=c.confirmed_at,
            order_value=float(c.order_value) if c.order_value is not None else None,
            currency=c.currency,
        )
        for c in repository.confirmed_of_seller(session, seller_id)
    ]
    rep = compute_reputation(feedback, confirmed, now)
    return ReputationSummary(
        seller_id=seller_id,
        tier=rep.tier.value,
        score=round(rep.score, 4),
        lower_bound=round(rep.lower_bound, 4),
        feedback_count=rep.feedback_count,
        effective_evidence=round(rep.effective_evidence, 3),
        counterfeit_reports=rep.counterfeit_reports,
        confirmed_counterfeits=rep.confirmed_counterfeits,
        last_feedback_at=rep.last_feedback_at,
        days_since_last_feedback=(
            round(rep.days_since_last_feedback, 2) if rep.days_since_last_feedback is not None else None
        ),
        reasons=rep.reasons,
        computed_at=now,
    )


def _cache_key(seller_id: str) -> str:
    return _KEY_PREFIX + seller_id


def seller_of_cache_key(key: str) -> str | None:
    """The seller whose summary a cache key holds; None for other keys."""
    return key.removeprefix(_KEY_PREFIX) if key.startswith(_KEY_PREFIX) else None


def reputation_summary(
    session: Session,
    seller_id: str,
    *,
    cache: Cache | None = None,
    ttl_seconds: int = 60,
) -> ReputationSummary:
    """A seller's current reputation; the entry point for other domains (listing scoring)."""
    if cache is not None:
        raw = cache.get(_cache_key(seller_id))
        if raw is not None:
            return ReputationSummary.from_json(raw)
    summary = compute_summary(session, seller_id)
    if cache is not None:
        ttl = ttl_seconds if cache.shared else min(ttl_seconds, LOCAL_ONLY_SECONDS)
        cache.set(_cache_key(seller_id), summary.to_json(), ttl)
    return summary


def invalidate(cache: Cache | None, memo: SummaryMemo | None, seller_id: str) -> None:
    if cache is not None:
        cache.delete(_cache_key(seller_id))
    if memo is not None:
        memo.delete(seller_id)


class SummaryMemo:
    """In-process, thread-safe map seller id -> summary with a short TTL and bounded size."""

    def __init__(self, ttl_seconds: float | Callable[[], float], max_entries: int = 50_000) -> None:
        self._ttl = ttl_seconds if callable(ttl_seconds) else (lambda: ttl_seconds)
        self._max = max_entries
        self._items: dict[str, tuple[float, ReputationSummary]] = {}
        self._lock = threading.Lock()

    def get(self, seller_id: str) -> ReputationSummary | None:
        item = self._items.get(seller_id)  # dict reads are atomic; no lock on the hot path
        # Stored at item[0]; how long it stands is asked now (shorter while degraded).
        if item is None or item[0] + self._ttl() <= time.monotonic():
            return None
        return item[1]

    def set(self, summary: ReputationSummary) -> None:
        if self._ttl() <= 0:
            return
        with self._lock:
            if len(self._items) >= self._max:
                self._items.clear()  # rare; cheaper than LRU bookkeeping on every hit
            self._items[summary.seller_id] = (time.monotonic(), summary)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def delete(self, seller_id: str) -> None:
        with self._lock:
            self._items.pop(seller_id, None)
