"""Feedback ingestion and moderator-confirmed counterfeits.

For other domains: `reputation_summary` (in service.sellers.reputation, re-exported here) and
`record_confirmed_counterfeit` are the two calls the listing scorer and the review queue need.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.kit.bounds import parse_cursor
from service.kit.cache import Cache
from service.kit.db import utcnow
from service.kit.errors import Conflict, Unprocessable
from service.sellers import repository
from service.sellers.pseudonym import pseudonymise_buyer
from service.sellers.reputation import (
    ReputationSummary,
    SummaryMemo,
    invalidate,
    reputation_summary,
)
from service.sellers.schemas import FeedbackIn
from service.sellers.tables import ConfirmedCounterfeit, SellerFeedback

__all__ = [
    "IngestResult",
    "ReputationSummary",
    "file_public_report",
    "ingest_feedback",
    "list_feedback",
    "record_confirmed_counterfeit",
    "reputation_summary",
]

PUBLIC_PLATFORM = "public"
MAX_FUTURE_SKEW = dt.timedelta(minutes=5)


@dataclass(frozen=True)
class IngestResult:
    feedback: SellerFeedback
    created: bool


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value.quantize(Decimal("0.01")))


def _fingerprint(seller_id: str, buyer_key: str, data: FeedbackIn) -> str:
    fields = {
        "seller_id": seller_id,
        "buyer_key": buyer_key,
        "rating": data.rating,
        "as_described": data.as_described,
        "counterfeit_suspected": data.counterfeit_suspected,
        "order_value": _money(data.order_value),
        "currency": data.currency,
        "comment": data.comment or None,
        "created_at": data.created_at.astimezone(dt.UTC).isoformat() if data.created_at else None,
        "account": (
            data.buyer_account_created_at.astimezone(dt.UTC).isoformat() if data.buyer_account_created_at else None
        ),
    }
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()


def _same_or_conflict(existing: SellerFeedback, fingerprint: str) -> IngestResult:
    if existing.fingerprint != fingerprint:
        raise Conflict(
            f"order {existing.order_id!r} already has different feedback",
            code="conflicting_feedback",
            feedback_id=existing.id,
        )
    return IngestResult(existing, created=False)


def _store(
    session: Session,
    *,
    platform_id: str,
    seller_id: str,
    buyer_key: str,
    data: FeedbackIn,
    source: str,
    verified: bool,
    now: dt.datetime,
    cache: Cache | None,
    memo: SummaryMemo | None,
) -> IngestResult:
    fingerprint = _fingerprint(seller_id, buyer_key, data)
    created_at = data.created_at.astimezone(dt.UTC) if data.created_at else now
    if created_at > now + MAX_FUTURE_SKEW:
        raise Unprocessable("created_at is in the future", code="invalid_input")
    snapshot = repository.buyer_snapshot(session, buyer_key, seller_id, created_at)
    row = SellerFeedback(
        platform_id=platform_id,
        order_id=data.order_id,
        seller_id=seller_id,
        buyer_key=buyer_key,
        rating=data.rating,
        as_described=data.as_described,
        counterfeit_suspected=data.counterfeit_suspected,
        order_value=data.order_value,
        currency=data.currency,
        comment=data.comment or None,
        created_at=created_at,
        received_at=now,
        source=source,
        verified_order=verified,
        buyer_first_seen=min(snapshot.first_seen or created_at, created_at),
        buyer_orders_other=snapshot.orders_other,
        buyer_sellers_other=snapshot.sellers_other,
        buyer_account_created=data.buyer_account_created_at,
        fingerprint=fingerprint,
    )
    # Insert first and look up only on a clash: duplicates are rare, so the common path saves
    # a query. The unique (platform, order) constraint settles concurrent retries too.
    try:
        repository.add(session, row)
        session.commit()
    except IntegrityError:
        session.rollback()
        existing = repository.find_by_order(session, platform_id, data.order_id)
        if existing is None:
            raise
        return _same_or_conflict(existing, fingerprint)
    invalidate(cache, memo, seller_id)
    return IngestResult(row, created=True)


def ingest_feedback(
    session: Session,
    *,
    platform_id: str,
    seller_id: str,
    data: FeedbackIn,
    pseudonym_secret: bytes,
    cache: Cache | None = None,
    memo: SummaryMemo | None = None,
    now: dt.datetime | None = None,
) -> IngestResult:
    """Stores a platform's feedback once per (platform, order): a retry returns the stored
    record, different content for the same order is a Conflict."""
    buyer_key = pseudonymise_buyer(pseudonym_secret, platform_id, data.buyer_id)
    return _store(
        session,
        platform_id=platform_id,
        seller_id=seller_id,
        buyer_key=buyer_key,
        data=data,
        source="platform",
        verified=True,
        now=now or utcnow(),
        cache=cache,
        memo=memo,
    )


def file_public_report(
    session: Session,
    *,
    seller_id: str,
    reporter: str,
    rating: int,
    counterfeit_suspected: bool,
    as_described: bool | None,
    comment: str | None,
    pseudonym_secret: bytes,
    cache: Cache | None = None,
    memo: SummaryMemo | None = None,
) -> SellerFeedback:
    """Anonymous report from the public page: unverified, and the reporter (its network
    address) is kept only as a pseudonym so repeated reports from one source weigh less."""
    data = FeedbackIn(
        order_id=f"public:{uuid.uuid4().hex}",
        buyer_id=f"reporter:{reporter}",
        rating=rating,
        as_described=as_described,
        counterfeit_suspected=counterfeit_suspected,
        comment=comment,
    )
    buyer_key = pseudonymise_buyer(pseudonym_secret, PUBLIC_PLATFORM, data.buyer_id)
    result = _store(
        session,
        platform_id=PUBLIC_PLATFORM,
        seller_id=seller_id,
        buyer_key=buyer_key,
        data=data,
        source="public_form",
        verified=False,
        now=utcnow(),
        cache=cache,
        memo=memo,
    )
    return result.feedback


def list_feedback(
    session: Session, seller_id: str, limit: int, cursor: str | None
) -> tuple[list[SellerFeedback], str | None]:
    after_id: int | None = None
    if cursor:
        after_id = parse_cursor(cursor)
    rows = repository.page_of_feedback(session, seller_id, limit + 1, after_id)
    next_cursor = str(rows[limit - 1].id) if len(rows) > limit else None
    return rows[:limit], next_cursor


def record_confirmed_counterfeit(
    session: Session,
    seller_id: str,
    *,
    reference: str,
    confirmed_by: str,
    platform_id: str | None = None,
    order_value: Decimal | None = None,
    currency: str | None = None,
    note: str | None = None,
    confirmed_at: dt.datetime | None = None,
    cache: Cache | None = None,
    memo: SummaryMemo | None = None,
    commit: bool = True,
) -> tuple[ConfirmedCounterfeit, bool]:
    """Records a moderator's confirmation; idempotent per (seller, reference).

    Returns the record and whether it was new. With commit=False the caller's transaction
    commits it (e.g. together with a review decision) and should call
    `service.sellers.reputation.invalidate` afterwards.
    """
    existing = repository.find_confirmed(session, seller_id, reference)
    if existing is not None:
        return existing, False
    row = ConfirmedCounterfeit(
        seller_id=seller_id,
        reference=reference,
        platform_id=platform_id,
        order_value=order_value,
        currency=currency.upper() if currency else None,
        confirmed_by=confirmed_by,
        note=note,
        confirmed_at=confirmed_at or utcnow(),
    )
    if not commit:
        repository.add(session, row)
        return row, True
    try:
        repository.add(session, row)
        session.commit()
    except IntegrityError:
        session.rollback()
        existing = repository.find_confirmed(session, seller_id, reference)
        if existing is None:
            raise
        return existing, False
    invalidate(cache, memo, seller_id)
    return row, True


def withdraw_confirmed_counterfeit(session: Session, seller_id: str, *, reference: str) -> bool:
    """An appeal overturned the decision behind `reference`: it no longer counts against the
    seller. The review audit keeps both decisions; the caller's transaction commits this."""
    existing = repository.find_confirmed(session, seller_id, reference)
    if existing is None:
        return False
    repository.delete_confirmed(session, existing)
    return True
