from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, BackgroundTasks, Query

from service.auth.deps import AuthFirstRoute, CurrentModerator, CurrentPlatform
from service.core.deps import SessionDep, StateDep
from service.core.state import CoreState
from service.kit.bounds import AfterId, AgeMinutes, Offset, PageSize, PathId, QueryId
from service.kit.db import utcnow
from service.kit.errors import DomainError, Forbidden
from service.kit.openapi import errors
from service.networks import service as networks
from service.review import repository, service
from service.review.schemas import (
    AppealIn,
    AuditEntryOut,
    AuditPage,
    BulkDecisionIn,
    BulkDecisionOut,
    BulkResult,
    DecisionIn,
    QueuePage,
    ReviewItemDetail,
    ReviewItemOut,
)
from service.review.tables import ReviewItem
from service.webhooks.delivery import deliver_due

router = APIRouter(tags=["review"], route_class=AuthFirstRoute)


def item_out(item: ReviewItem) -> ReviewItemOut:
    return ReviewItemOut(
        id=item.id, platform_id=item.platform_id, listing_id=item.listing_id,
        seller_id=item.seller_id, status=item.status, queue=item.queue, risk=item.risk,
        level=item.level, suggested_decision=item.suggested, brand=item.brand,
        reason_codes=service.reason_codes_of(item), lease_holder=item.lease_holder_name,
        lease_expires_at=item.lease_expires_at, decision=item.decision,
        decided_at=item.decided_at, appeals=item.appeals, enqueued_at=item.enqueued_at,
        assessment_id=item.assessment_id)


def _send_webhooks(tasks: BackgroundTasks, state: CoreState) -> None:
    tasks.add_task(deliver_due, state.session_factory, state.settings)


@router.get("/v1/review/queue", response_model=QueuePage)
def queue(
    _: CurrentModerator,
    session: SessionDep,
    state: StateDep,
    queue: Literal["standard", "senior"] = "standard",
    level: Literal["low", "medium", "high"] | None = None,
    brand: Annotated[str | None, Query(max_length=200)] = None,
    reason: Annotated[str | None, Query(max_length=64)] = None,
    platform_id: Annotated[str | None, Query(max_length=100)] = None,
    min_age_minutes: AgeMinutes | None = None,
    max_age_minutes: AgeMinutes | None = None,
    include_claimed: bool = False,
    limit: PageSize = 50,
    offset: Offset = 0,
) -> QueuePage:
    limit = min(limit, state.settings.review_page_max)
    filters = repository.QueueFilter(queue, level, brand, reason, platform_id, min_age_minutes,
                                     max_age_minutes, include_claimed)
    items = repository.queue_page(session, filters, utcnow(), limit + 1, offset)
    return QueuePage(items=[item_out(i) for i in items[:limit]],
                     next_offset=offset + limit if len(items) > limit else None)


@router.get("/v1/review/items/{item_id}", response_model=ReviewItemDetail, responses=errors(404))
def get_item(item_id: PathId, _: CurrentModerator, session: SessionDep,
             state: StateDep) -> ReviewItemDetail:
    item = service.get_item(session, item_id)
    assessment = service.assessment_of(session, item)
    audit = repository.audit_page(session, 1000, None, item.id, None, None)
    return ReviewItemDetail(**item_out(item).model_dump(),
                            assessment=assessment.result if assessment else None,
                            audit=[AuditEntryOut.model_validate(a) for a in audit],
                            network=networks.network_of(session, item.platform_id,
                                                        item.seller_id,
                                                        state.settings.network_rare_max_sellers))


@router.post("/v1/review/items/{item_id}/claim", response_model=ReviewItemOut,
             responses=errors(404, 409))
def claim(item_id: PathId, principal: CurrentModerator, session: SessionDep,
          state: StateDep) -> ReviewItemOut:
    item = service.claim(session, item_id, service.actor_of(principal), utcnow(),
                         state.settings.review_lease_seconds)
    return item_out(item)


@router.post("/v1/review/items/{item_id}/release", response_model=ReviewItemOut,
             responses=errors(404, 409))
def release(item_id: PathId, principal: CurrentModerator, session: SessionDep) -> ReviewItemOut:
    return item_out(service.release(session, item_id, service.actor_of(principal), utcnow()))


@router.post("/v1/review/items/{item_id}/decision", response_model=ReviewItemOut,
             responses=errors(404, 409))
def decide(item_id: PathId, body: DecisionIn, principal: CurrentModerator, session: SessionDep,
           state: StateDep, tasks: BackgroundTasks) -> ReviewItemOut:
    item = service.decide(session, item_id, service.actor_of(principal), body.decision,
                          body.codes(), body.note, utcnow(), state.cache)
    _send_webhooks(tasks, state)
    return item_out(item)


@router.post("/v1/review/decisions", response_model=BulkDecisionOut)
def decide_bulk(body: BulkDecisionIn, principal: CurrentModerator, state: StateDep,
                tasks: BackgroundTasks) -> BulkDecisionOut:
    """Up to 100 decisions; each is its own transaction and succeeds or fails alone."""
    actor = service.actor_of(principal)
    results = []
    for entry in body.items:
        with state.session_factory() as session:
            try:
                item = service.decide(session, entry.item_id, actor, entry.decision,
                                      entry.codes(), entry.note, utcnow(), state.cache)
                results.append(BulkResult(item_id=entry.item_id, ok=True, item=item_out(item)))
            except DomainError as exc:
                session.rollback()
                results.append(BulkResult(item_id=entry.item_id, ok=False,
                                          error=exc.to_body()["error"]))
    _send_webhooks(tasks, state)
    succeeded = sum(r.ok for r in results)
    return BulkDecisionOut(results=results, succeeded=succeeded, failed=len(results) - succeeded)


@router.get("/v1/review/audit", response_model=AuditPage)
def audit(
    _: CurrentModerator,
    session: SessionDep,
    item_id: QueryId | None = None,
    actor: Annotated[str | None, Query(max_length=100)] = None,
    action: Annotated[str | None, Query(max_length=20)] = None,
    after_id: AfterId | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> AuditPage:
    rows = repository.audit_page(session, limit + 1, after_id, item_id, actor, action)
    page = rows[:limit]
    return AuditPage(items=[AuditEntryOut.model_validate(r) for r in page],
                     next_after_id=page[-1].id if len(rows) > limit else None)


@router.post("/v1/listings/{listing_id}/appeal", response_model=ReviewItemOut,
             responses=errors(404, 409))
def appeal(listing_id: str, body: AppealIn, principal: CurrentPlatform,
           session: SessionDep) -> ReviewItemOut:
    if principal.platform_id is None:
        raise Forbidden("appeals are filed by the listing's platform: use a platform key")
    actor = service.Actor(id=f"platform:{principal.platform_id}", name=principal.name)
    item = service.appeal(session, principal.platform_id, listing_id, actor, body.reason,
                          utcnow())
    return item_out(item)
