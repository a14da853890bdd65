from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class BadgeTokenOut(BaseModel):
    token: str
    seller_id: str
    platform: str
    tier: str
    score: float
    issued_at: datetime
    expires_at: datetime
    kid: str
    page_url: str


class VerifyIn(BaseModel):
    token: str = Field(min_length=1, max_length=1024)
