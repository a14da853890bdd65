"""Request and response bodies of POST /v1/captions/classify.

Limits (models/thresholds.py): 1 to CAPTION_MAX_TEXTS captions per request, each a string
of at most CAPTION_MAX_CHARS characters. Longer captions are refused with 422 rather than
truncated: a cut caption could hide the very words that matter, and real captions are far
shorter (platforms cap them near 2,000), so the caller should split or trim knowingly.
An empty string is a valid caption (a post without text).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictStr

from models.thresholds import CAPTION_MAX_CHARS, CAPTION_MAX_TEXTS

Caption = Annotated[StrictStr, Field(max_length=CAPTION_MAX_CHARS)]


class ClassifyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    texts: list[Caption] = Field(min_length=1, max_length=CAPTION_MAX_TEXTS)


class SpanOut(BaseModel):
    start: int = Field(description="offset in the caption as sent (Python str index)")
    end: int = Field(description="exclusive end offset")
    term: str = Field(description="the lexicon entry that matched")
    category: str


class CaptionReasonOut(BaseModel):
    code: str = Field(description="lexicon:<category>, brand_price_gap, brand_price_plausible "
                                  "or nearest_pattern")
    message: str = Field(description="the reason in words a moderator reads in a second")


class CaptionResultOut(BaseModel):
    counterfeit_probability: float = Field(ge=0.0, le=1.0)
    label: Literal["counterfeit", "legitimate"]
    spans: list[SpanOut]
    normalized_text: str
    reasons: list[CaptionReasonOut] = Field(default_factory=list)


class ClassifyResponse(BaseModel):
    results: list[CaptionResultOut]
    model_version: str
