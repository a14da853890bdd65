from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field


class BatchIn(BaseModel):
    listings: list[dict[str, Any]] = Field(
        min_length=1, description="each as the body of POST /v1/listings/score")


class JobItemOut(BaseModel):
    position: int
    listing_id: str
    status: str
    result: dict[str, Any] | None
    error: dict[str, Any] | None


class JobOut(BaseModel):
    job_id: str
    status: str
    backend: str
    total: int
    done: int
    failed: int
    pending: int
    runs: int
    created_at: dt.datetime
    finished_at: dt.datetime | None
    items: list[JobItemOut] | None = None
