"""Feedback and reputation endpoints. Buyer ids go in, never out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response, status
from fastapi.concurrency import run_in_threadpool

from service.auth.deps import AuthFirstRoute, CurrentModerator, require_roles
from service.auth.service import Principal, Role
from service.core.deps import SessionDep, StateDep
from service.kit.bounds import Cursor
from service.kit.openapi import errors
from service.sellers import service
from service.sellers.runtime import RuntimeDep
from service.sellers.schemas import (
    SELLER_ID_PATTERN,
    FeedbackIn,
    FeedbackModeratorOut,
    FeedbackOut,
    FeedbackPage,
    ReputationOut,
)

router = APIRouter(prefix="/v1/sellers", tags=["sellers"], route_class=AuthFirstRoute)

SellerId = Annotated[str, Path(pattern=SELLER_ID_PATTERN, max_length=200)]
AnyKey = Annotated[Principal, Depends(
    require_roles(Role.admin, Role.platform, Role.moderator, Role.senior_moderator))]


PlatformKey = Annotated[Principal, Depends(require_roles(Role.platform))]


@router.post(
    "/{seller_id}/feedback",
    response_model=FeedbackOut,
    status_code=status.HTTP_201_CREATED,
    responses={
        **errors(429, 503),
        200: {"description": "the same feedback was already stored (idempotent retry)"},
        409: {"description": "this order already has different feedback"},
    },
)
async def post_feedback(
    seller_id: SellerId,
    body: FeedbackIn,
    principal: PlatformKey,
    state: StateDep,
    runtime: RuntimeDep,
) -> Response:

    # The ingest itself in one thread hop: at a few hundred requests per second each
    # hand-off to the thread pool costs about as much as the database work.
    def ingest() -> tuple[FeedbackOut, bool]:
        with state.session_factory() as session:
            platform_id = principal.platform_id or principal.name
            runtime.limits.check(state.settings.feedback_rate_limit, "feedback", platform_id)
            result = service.ingest_feedback(
                session,
                platform_id=platform_id,
                seller_id=seller_id,
                data=body,
                pseudonym_secret=runtime.pseudonym_secret,
                cache=state.cache,
                memo=runtime.memo,
            )
            out = FeedbackOut.model_validate(result.feedback)
        if not result.created:
            out.status = "duplicate"
        return out, result.created

    out, created = await run_in_threadpool(ingest)
    return Response(
        out.model_dump_json(),
        status_code=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        media_type="application/json",
    )


@router.get("/{seller_id}/reputation", response_model=ReputationOut)
def get_reputation(seller_id: SellerId, _: AnyKey, session: SessionDep, state: StateDep) -> ReputationOut:
    summary = service.reputation_summary(
        session, seller_id, cache=state.cache, ttl_seconds=state.settings.reputation_cache_seconds
    )
    return ReputationOut.model_validate(summary, from_attributes=True)


@router.get("/{seller_id}/feedback", response_model=FeedbackPage)
def list_feedback(
    seller_id: SellerId,
    _: CurrentModerator,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Cursor | None = None,
) -> FeedbackPage:
    """Moderators only: the raw feedback with buyer pseudonyms."""
    rows, next_cursor = service.list_feedback(session, seller_id, limit, cursor)
    return FeedbackPage(items=[FeedbackModeratorOut.model_validate(r) for r in rows], next_cursor=next_cursor)
