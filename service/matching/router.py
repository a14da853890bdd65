from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from service.auth.deps import AuthFirstRoute, CurrentPlatform
from service.core.deps import StateDep
from service.images.gate import decode_images
from service.images.inputs import image_upload_openapi, read_images
from service.kit.load import PROCESS_HEAVY_REQUESTS, reconnect_headers
from service.kit.openapi import errors
from service.matching import service
from service.matching.runtime import MatchIndexDep
from service.matching.schemas import MatchResponse

router = APIRouter(prefix="/v1/images", tags=["matching"], route_class=AuthFirstRoute)
MAX_MATCH_IMAGES = 9


@router.post("/match", response_model=MatchResponse,
             openapi_extra=image_upload_openapi(MAX_MATCH_IMAGES),
             responses={**errors(415), 503: {"description": "the image index is still loading"}})
async def match_images(request: Request, response: Response, _: CurrentPlatform,
                       state: StateDep, index: MatchIndexDep,
                       stages: Literal["all", "hash"] = Query(
                           "all", description="`hash`: the hash stage only — about a tenth of "
                                              "the cost; misses collage tiles, screenshots "
                                              "and deep crops the keypoint stage finds"),
                       ) -> MatchResponse:
    # MatchIndexDep answers 503 while the index loads, before the upload is read.
    limits = state.image_limits

    def work(blobs: list[bytes]) -> MatchResponse:
        decoded = decode_images(blobs, limits, draft_side=service.gate_side(stages == "all"))
        with state.session_factory() as session:
            return MatchResponse(results=service.match_decoded(
                index, session, decoded, state.settings.matching_sync_seconds,
                local_stage=stages == "all", threads=state.settings.matching_analysis_threads))

    with PROCESS_HEAVY_REQUESTS.track() as heavy:
        blobs = await read_images(request, MAX_MATCH_IMAGES, limits.max_bytes,
                                  state.image_fetcher)
        result = await run_in_threadpool(work, blobs)
    response.headers.update(reconnect_headers(heavy, state.settings.server_processes))
    return result
