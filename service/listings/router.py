from __future__ import annotations

import time
from typing import Literal

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool

from service.auth.deps import AuthFirstRoute, CurrentPlatform
from service.auth.service import Principal
from service.core.deps import SessionDep, StateDep
from service.kit.errors import Forbidden
from service.kit.load import PROCESS_HEAVY_REQUESTS, reconnect_headers
from service.kit.openapi import errors
from service.kit.responses import PlainJSONResponse
from service.listings import service
from service.listings.deep_runner import DeepChecksDep
from service.listings.inputs import MAX_LISTING_IMAGES, listing_openapi, read_listing
from service.listings.runtime import ListingsDep
from service.listings.schemas import ScoreOut
from service.platforms.service import effective as effective_thresholds

router = APIRouter(prefix="/v1/listings", tags=["listings"], route_class=AuthFirstRoute)
__all__ = ["MAX_LISTING_IMAGES", "platform_of", "router"]


def platform_of(principal: Principal) -> str:
    if principal.platform_id is None:
        raise Forbidden("listings belong to a platform: use a platform key")
    return principal.platform_id


@router.post("/score", response_model=ScoreOut, openapi_extra=listing_openapi(MAX_LISTING_IMAGES),
             responses=errors(415, 503))
async def score(request: Request, principal: CurrentPlatform, state: StateDep,
                runtime: ListingsDep, deep_checks: DeepChecksDep,
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
        thresholds = await run_in_threadpool(effective_thresholds, state, platform_id)
        deferred = state.settings.background_backend if wait == "hash" else None
        scored = await run_in_threadpool(service.score, state, runtime, platform_id, fields,
                                         blobs, thresholds, started, deferred)
        if scored.deep_check_id is not None and deferred is not None:
            await run_in_threadpool(deep_checks.submit, scored.deep_check_id, deferred)
    # The body is built from validated models (or stored from them): sent as it is.
    headers = reconnect_headers(heavy, state.settings.server_processes)
    return PlainJSONResponse(scored.body, headers=headers)


@router.get("/{listing_id}", response_model=ScoreOut, responses=errors(404, 503))
def get_listing(listing_id: str, principal: CurrentPlatform, session: SessionDep,
                runtime: ListingsDep) -> ScoreOut:
    return service.latest(session, runtime, platform_of(principal), listing_id)
