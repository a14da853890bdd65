from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

SELLER_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,199}$"

OrderId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
BuyerId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Currency = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]{3}$")]
Comment = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
OrderValue = Annotated[Decimal, Field(ge=0, le=Decimal("999999999999.99"), decimal_places=2)]


class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order_id: OrderId
    buyer_id: BuyerId
    rating: int = Field(ge=1, le=5)
    as_described: bool | None = None
    counterfeit_suspected: bool = False
    order_value: OrderValue | None = None
    currency: Currency | None = None
    comment: Comment | None = None
    created_at: AwareDatetime | None = None
    # Optional: when the buyer's account was created on the platform (raises credibility).
    buyer_account_created_at: AwareDatetime | None = None


class FeedbackOut(BaseModel):
    """What a platform gets back: never the buyer id nor its pseudonym."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    seller_id: str
    order_id: str
    rating: int
    as_described: bool | None
    counterfeit_suspected: bool
    order_value: Decimal | None
    currency: str | None
    comment: str | None
    created_at: dt.datetime
    received_at: dt.datetime
    verified_order: bool
    status: Literal["created", "duplicate"] = "created"


class FeedbackModeratorOut(FeedbackOut):
    """Moderators see the pseudonym (never the raw buyer id, which is not stored)."""

    platform_id: str
    buyer_key: str
    source: str


class FeedbackPage(BaseModel):
    items: list[FeedbackModeratorOut]
    next_cursor: str | None


class ReasonOut(BaseModel):
    code: str
    message: str
    value: float | None = None


class ReputationOut(BaseModel):
    seller_id: str
    tier: Literal["new", "bronze", "silver", "gold", "warning"]
    score: float
    lower_bound: float
    feedback_count: int
    effective_evidence: float
    counterfeit_reports: int
    confirmed_counterfeits: int
    last_feedback_at: dt.datetime | None
    days_since_last_feedback: float | None
    reasons: list[ReasonOut]
    computed_at: dt.datetime
    model_version: str
