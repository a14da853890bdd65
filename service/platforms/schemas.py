from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

PLATFORM_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,99}$"


class ThresholdsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    review: float = Field(ge=0.0, le=1.0, allow_inf_nan=False,
                          description="risk at or above this: decision `review`")
    block: float = Field(ge=0.0, le=1.0, allow_inf_nan=False,
                         description="risk at or above this: decision `block`")

    @model_validator(mode="after")
    def _ordered(self) -> ThresholdsIn:
        if not self.review < self.block:
            raise ValueError("review must be below block (0 <= review < block <= 1)")
        return self


class ThresholdChangeOut(BaseModel):
    action: Literal["set", "reset"]
    review: float | None
    block: float | None
    previous_review: float
    previous_block: float
    actor: str
    changed_at: dt.datetime


class ThresholdsOut(BaseModel):
    platform_id: str
    review: float
    block: float
    # Where the values come from: set through this API, TRUST_PLATFORM_RISK_THRESHOLDS, or
    # the model's defaults (models/thresholds.py).
    source: Literal["api", "environment", "default"]
    updated_at: dt.datetime | None = None
    updated_by: str | None = None
    changes: list[ThresholdChangeOut] = Field(default_factory=list,
                                              description="the latest changes, newest first")
