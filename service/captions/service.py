"""Caption classification as plain functions (no web types), for the router and other domains.

The listing scorer calls `classify_with(runtime, texts)` from a worker thread; it never
runs on the event loop.
"""

from __future__ import annotations

from collections.abc import Sequence

from models.text.classifier import CaptionResult
from service.captions.runtime import CaptionRuntime
from service.captions.schemas import CaptionReasonOut, CaptionResultOut, ClassifyResponse, SpanOut


def classify_with(runtime: CaptionRuntime, texts: Sequence[str]) -> list[CaptionResult]:
    """Batched classification of `texts` (CPU-bound: call it off the event loop)."""
    return runtime.classifier.classify(list(texts))


def to_response(results: Sequence[CaptionResult], model_version: str) -> ClassifyResponse:
    return ClassifyResponse(
        model_version=model_version,
        results=[CaptionResultOut(
            counterfeit_probability=r.counterfeit_probability,
            label=r.label,
            spans=[SpanOut(start=s.start, end=s.end, term=s.term, category=s.category)
                   for s in r.spans],
            normalized_text=r.normalized_text,
            reasons=[CaptionReasonOut(code=c.code, message=c.message) for c in r.reasons])
            for r in results])
