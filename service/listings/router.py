from __future__ import annotations

import time
from typing import Literal

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool

from service.auth.service import Principal
from service.deps import CurrentPlatform, SessionDep, StateDep
from service.errors import Forbidden
from service.jobs.backends import backend_name
from service.jobs.deep_checks import deep_checks_lifespan, submit_deep_check
from service.listings import service
from service.listings.inputs import MAX_LISTING_IMAGES, read_listing
from service.listings.runtime import get_runtime, thresholds_for
from service.listings.schemas import ScoreOut
from service.load import PROCESS_HEAVY_REQUESTS, reconnect_headers
from service.responses import PlainJSONResponse

router = APIRouter(prefix="/v1/listings", tags=["listings"], lifespan=deep_checks_lifespan)
__all__ = ["MAX_LISTING_IMAGES", "platform_of", "router"]


def platform_of(principal: Principal) -> str:
    if principal.platform_id is None:
        raise Forbidden("listings belong to a platform: use a platform key")
    return principal.platform_id


@router.post("/score", response_model=ScoreOut)
async def score(request: Request, principal: CurrentPlatform, state: StateDep,
                wait: Literal["hash", "deep"] = Query(
                    "hash", description="`deep`: run the keypoint stage for unmatched "
                                        "photos in the request too, for one final answer"),
                ) -> PlainJSONResponse:
    started = time.perf_counter()
    platform_id = platform_of(principal)
    with PROCESS_HEAVY_REQUESTS.track() as heavy:
        max_images = min(MAX_LISTING_IMAGES, state.settings.max_images_per_request)
        fields, blobs = await read_listing(request, max_images, state.image_limits.max_bytes,
                                           state.image_fetcher)
        runtime = get_runtime(state)
        thresholds = thresholds_for(state.settings, platform_id)
        deferred = backend_name(state.settings) if wait == "hash" else None
        scored = await run_in_threadpool(service.score, state, runtime, platform_id, fields,
                                         blobs, thresholds, started, deferred)
        if scored.deep_check_id is not None and deferred is not None:
            await run_in_threadpool(submit_deep_check, state, scored.deep_check_id, deferred)
    # The body is built from validated models (or stored from them): sent as it is.
    headers = reconnect_headers(heavy, state.settings.server_processes)
    return PlainJSONResponse(scored.body, headers=headers)


@router.get("/{listing_id}", response_model=ScoreOut)
def get_listing(listing_id: str, principal: CurrentPlatform, session: SessionDep) -> ScoreOut:
    return service.latest(session, platform_of(principal), listing_id)
