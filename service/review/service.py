"""Review queue logic: enqueue flagged listings, claim with leases, decide, escalate, appeal.

Every state change writes an audit row in the same transaction. Decisions to approve or
remove also write the platform's webhook events (outbox) and, for a removal with reason
`counterfeit`, a confirmed counterfeit on the seller's record, all in that transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from service.auth.service import Principal, Role
from service.kit.cache import Cache
from service.kit.errors import Conflict, Forbidden, NotFound
from service.listings import repository as listings_repo
from service.listings.tables import Listing, ListingAssessment
from service.review import repository
from service.review.hooks import DECISION_HOOKS
from service.review.tables import ReviewAudit, ReviewItem
from service.sellers.reputation import invalidate as invalidate_reputation
from service.sellers.service import record_confirmed_counterfeit, withdraw_confirmed_counterfeit
from service.webhooks.service import enqueue_event

FLAGGED = ("review", "block")
COUNTERFEIT_REASON = "counterfeit"
SYSTEM = "system"
WITHDRAWN = "withdrawn"  # item status: a newer assessment no longer flags the listing
SENIOR_QUEUE = "senior"  # escalated items: only senior moderators (and admins) claim them


@dataclass(frozen=True)
class Actor:
    id: str
    name: str
    senior: bool = False  # may take items from the senior (escalation) queue


def actor_of(principal: Principal) -> Actor:
    return Actor(id=f"key:{principal.key_id}", name=principal.name,
                 senior=principal.role in (Role.senior_moderator, Role.admin))


def reason_codes_of(item: ReviewItem) -> list[str]:
    return [c for c in item.reason_codes.split(",") if c]


def _audit(session: Session, item: ReviewItem, actor: Actor, action: str, now: dt.datetime,
           decision: str | None = None, reason_codes: list[str] | None = None,
           note: str | None = None, **details: Any) -> None:
    repository.add_audit(session, ReviewAudit(
        item_id=item.id, platform_id=item.platform_id, listing_id=item.listing_id,
        actor=actor.id, actor_name=actor.name, action=action, decision=decision,
        reason_codes=reason_codes or [], note=note, details=details, created_at=now))


def enqueue(session: Session, listing: Listing, assessment: ListingAssessment,
            now: dt.datetime) -> ReviewItem | None:
    """Puts a flagged assessment in the queue (the caller commits).

    A newer assessment that is not flagged (changed content, or a deep check that found the
    seller's own authorised photo) withdraws the listing's open item: nobody should spend a
    review on what the service no longer flags. A decided item stays as it was decided.
    """
    item = repository.item_for_listing(session, listing.id)
    system = Actor(SYSTEM, SYSTEM)
    if assessment.decision not in FLAGGED:
        if item is not None and item.status == "open" and item.assessment_id != assessment.id:
            item.assessment_id, item.risk, item.level = assessment.id, assessment.risk, \
                assessment.level
            item.suggested, item.status, item.updated_at = assessment.decision, WITHDRAWN, now
            item.lease_holder = item.lease_holder_name = item.lease_expires_at = None
            session.flush()
            _audit(session, item, system, "withdraw", now, version=assessment.version,
                   decision=assessment.decision)
        return None
    codes = "," + ",".join(assessment.reason_codes) + ","
    if item is None:
        item = ReviewItem(
            platform_id=listing.platform_id, listing_pk=listing.id, listing_id=listing.listing_id,
            seller_id=listing.seller_id, assessment_id=assessment.id, status="open",
            queue="standard", risk=assessment.risk, level=assessment.level,
            suggested=assessment.decision, brand=assessment.brand, reason_codes=codes,
            appeals=0, enqueued_at=now, updated_at=now)
        session.add(item)
        session.flush()
        _audit(session, item, system, "enqueue", now, version=assessment.version)
        return item
    if item.assessment_id == assessment.id:
        return item
    reopened = item.status in ("decided", WITHDRAWN)
    item.assessment_id, item.risk, item.level = assessment.id, assessment.risk, assessment.level
    item.suggested, item.brand, item.reason_codes = assessment.decision, assessment.brand, codes
    if reopened:  # changed content after a decision is new work
        item.status, item.queue, item.decision = "open", "standard", None
        item.decided_by, item.decided_at, item.enqueued_at = None, None, now
    session.flush()
    _audit(session, item, system, "reassess", now, version=assessment.version, reopened=reopened)
    return item



class ListingsReviewQueue:
    """The review queue as the listings domain sees it (its `ReviewQueue` protocol)."""

    def enqueue(self, session: Session, listing: Listing, assessment: ListingAssessment,
                now: dt.datetime) -> int | None:
        item = enqueue(session, listing, assessment, now)
        return item.id if item is not None else None

    def item_id(self, connection: Session | Connection, listing_pk: int) -> int | None:
        return repository.item_id_for_listing(connection, listing_pk)

def get_item(session: Session, item_id: int) -> ReviewItem:
    item = repository.get_item(session, item_id)
    if item is None:
        raise NotFound(f"no review item {item_id}", code="item_not_found")
    return item


def _refused(session: Session, item_id: int, actor: Actor, now: dt.datetime) -> Conflict:
    session.rollback()
    item = get_item(session, item_id)
    if item.status != "open":
        return Conflict(f"review item {item_id} is {item.status}, not open", code="item_closed")
    if item.excluded_holder == actor.id:
        return Conflict("a different moderator must take this item (appeal or escalation)",
                        code="moderator_excluded")
    if item.lease_holder and item.lease_holder != actor.id and item.lease_expires_at \
            and item.lease_expires_at > now:
        return Conflict(f"review item {item_id} is claimed by {item.lease_holder_name}",
                        code="claimed_by_other", lease_expires_at=item.lease_expires_at.isoformat())
    return Conflict("claim the item first: you hold no lease on it", code="not_lease_holder")


def claim(session: Session, item_id: int, actor: Actor, now: dt.datetime,
          lease_seconds: int) -> ReviewItem:
    if get_item(session, item_id).queue == SENIOR_QUEUE and not actor.senior:
        raise Forbidden("escalated items are decided by senior moderators (role "
                        "senior_moderator)", code="senior_queue")
    expires = now + dt.timedelta(seconds=lease_seconds)
    if not repository.try_claim(session, item_id, actor.id, actor.name, now, expires):
        raise _refused(session, item_id, actor, now)
    item = get_item(session, item_id)
    session.refresh(item)
    _audit(session, item, actor, "claim", now, lease_expires_at=expires.isoformat())
    session.commit()
    return item


def claim_next(session: Session, f: repository.QueueFilter, actor: Actor, now: dt.datetime,
               lease_seconds: int) -> ReviewItem | None:
    """The item this actor holds, else the first free one in the queue's order, claimed; None
    when the queue has nothing for them. Another moderator winning a race for an item only
    moves this on to the next (the claim itself is the conditional update of `claim`)."""
    if f.queue == SENIOR_QUEUE and not actor.senior:
        raise Forbidden("escalated items are decided by senior moderators (role "
                        "senior_moderator)", code="senior_queue")
    held = repository.held_by(session, actor.id, now)
    if held is not None and (not f.platform_id or held.platform_id == f.platform_id):
        return held
    free = replace(f, include_claimed=False, not_excluding=actor.id)
    for _ in range(5):
        candidates = repository.queue_keyset(session, free, now, 10)
        if not candidates:
            return None
        for candidate in candidates:
            try:
                return claim(session, candidate.id, actor, now, lease_seconds)
            except Conflict:
                continue  # taken meanwhile
    return None


def release(session: Session, item_id: int, actor: Actor, now: dt.datetime) -> ReviewItem:
    get_item(session, item_id)
    values = {"lease_holder": None, "lease_holder_name": None, "lease_expires_at": None}
    if not repository.update_if_holder(session, item_id, actor.id, now, values):
        raise _refused(session, item_id, actor, now)
    item = get_item(session, item_id)
    session.refresh(item)
    _audit(session, item, actor, "release", now)
    session.commit()
    return item


def decide(session: Session, item_id: int, actor: Actor, decision: str, reason_codes: list[str],
           note: str | None, now: dt.datetime, cache: Cache | None = None) -> ReviewItem:
    get_item(session, item_id)
    lease_cleared: dict[str, Any] = {"lease_holder": None, "lease_holder_name": None, "lease_expires_at": None}
    values: dict[str, Any]
    if decision == "escalate":
        values = {**lease_cleared, "queue": SENIOR_QUEUE, "excluded_holder": actor.id}
    else:
        values = {**lease_cleared, "status": "decided", "decision": decision,
                  "decided_by": actor.id, "decided_at": now}
    if not repository.update_if_holder(session, item_id, actor.id, now, values):
        raise _refused(session, item_id, actor, now)
    item = get_item(session, item_id)
    session.refresh(item)
    _audit(session, item, actor, "escalate" if decision == "escalate" else "decision", now,
           decision=decision, reason_codes=reason_codes, note=note,
           assessment_id=item.assessment_id, risk=item.risk, appeal=item.appeals > 0)
    confirmed = decision == "remove" and COUNTERFEIT_REASON in reason_codes
    reference = f"review-item:{item.id}"
    if confirmed:
        record_confirmed_counterfeit(
            session, item.seller_id, reference=reference, confirmed_by=actor.name,
            platform_id=item.platform_id, note=note, confirmed_at=now, commit=False)
    elif decision != "escalate":  # an appeal may overturn an earlier counterfeit removal
        confirmed = withdraw_confirmed_counterfeit(session, item.seller_id, reference=reference)
    if decision != "escalate":
        for hook in DECISION_HOOKS:
            hook.decided(session, item, decision, reason_codes, now)
        enqueue_event(session, item.platform_id,
                      "appeal.decided" if item.appeals else "review.decided",
                      {"review_item_id": item.id, "listing_id": item.listing_id,
                       "seller_id": item.seller_id, "decision": decision,
                       "reason_codes": reason_codes, "note": note,
                       "decided_at": now.isoformat(), "appeals": item.appeals}, now)
    session.commit()
    if confirmed:
        invalidate_reputation(cache, None, item.seller_id)
    return item


def appeal(session: Session, platform_id: str, listing_id: str, actor: Actor,
           reason: str | None, now: dt.datetime) -> ReviewItem:
    listing = listings_repo.find_listing(session, platform_id, listing_id)
    item = repository.item_for_listing(session, listing.id) if listing is not None else None
    if item is None:
        raise NotFound(f"listing {listing_id!r} has no review item", code="item_not_found")
    if item.status != "decided":
        raise Conflict("the listing is still under review", code="not_decided")
    previous = (item.decision, item.decided_by)
    item.status, item.queue, item.excluded_holder = "open", "standard", item.decided_by
    item.decision, item.decided_by, item.decided_at = None, None, None
    item.appeals += 1
    item.enqueued_at = now
    session.flush()
    _audit(session, item, actor, "appeal", now, note=reason, previous_decision=previous[0],
           previous_moderator=previous[1])
    session.commit()
    return item


def assessment_of(session: Session, item: ReviewItem) -> ListingAssessment | None:
    return listings_repo.get_assessment(session, item.assessment_id)
