from __future__ import annotations

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool

from service.auth.deps import AuthFirstRoute, CurrentPlatform
from service.captions import service
from service.captions.runtime import CaptionRuntimeDep
from service.captions.schemas import ClassifyRequest, ClassifyResponse

router = APIRouter(prefix="/v1/captions", tags=["captions"], route_class=AuthFirstRoute)


@router.post("/classify", response_model=ClassifyResponse,
             responses={422: {"description": "empty list, too many texts, a non-string or a "
                                             "caption over the length limit"},
                        503: {"description": "the caption model is still loading"}})
async def classify(body: ClassifyRequest, _: CurrentPlatform,
                   runtime: CaptionRuntimeDep) -> ClassifyResponse:
    """Counterfeit probability, label, lexicon spans and normalised text per caption."""
    results = await run_in_threadpool(service.classify_with, runtime, body.texts)
    return service.to_response(results, runtime.model_version)
