from __future__ import annotations

import time

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool

from service.auth.service import Principal
from service.deps import CurrentPlatform, SessionDep, StateDep
from service.errors import Forbidden
from service.listings import service
from service.listings.inputs import read_listing
from service.listings.runtime import get_runtime, thresholds_for
from service.listings.schemas import ScoreOut

router = APIRouter(prefix="/v1/listings", tags=["listings"])
MAX_LISTING_IMAGES = 9


def platform_of(principal: Principal) -> str:
    if principal.platform_id is None:
        raise Forbidden("listings belong to a platform: use a platform key")
    return principal.platform_id


@router.post("/score", response_model=ScoreOut)
async def score(request: Request, principal: CurrentPlatform, state: StateDep) -> ScoreOut:
    started = time.perf_counter()
    platform_id = platform_of(principal)
    max_images = min(MAX_LISTING_IMAGES, state.settings.max_images_per_request)
    fields, blobs = await read_listing(request, max_images, state.image_limits.max_bytes)
    runtime = await run_in_threadpool(get_runtime, state)
    thresholds = thresholds_for(state.settings, platform_id)
    return await run_in_threadpool(service.score, state, runtime, platform_id, fields, blobs,
                                   thresholds, started)


@router.get("/{listing_id}", response_model=ScoreOut)
def get_listing(listing_id: str, principal: CurrentPlatform, session: SessionDep) -> ScoreOut:
    return service.latest(session, platform_of(principal), listing_id)
