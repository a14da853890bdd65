from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from service.kit.bounds import Id64
from service.networks.schemas import NetworkOut

ReasonCode = Annotated[str, StringConstraints(min_length=1, max_length=64,
                                              pattern=r"^[a-z0-9_]+$")]


class ReviewItemOut(BaseModel):
    id: int
    platform_id: str
    listing_id: str
    seller_id: str
    status: str
    queue: str
    risk: float
    level: str
    suggested_decision: str
    brand: str | None
    reason_codes: list[str]
    lease_holder: str | None
    lease_expires_at: dt.datetime | None
    decision: str | None
    decided_at: dt.datetime | None
    appeals: int
    enqueued_at: dt.datetime
    assessment_id: int


class AuditEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    item_id: int
    platform_id: str
    listing_id: str
    actor: str
    actor_name: str
    action: str
    decision: str | None
    reason_codes: list[str]
    note: str | None
    details: dict[str, Any]
    created_at: dt.datetime


class ReviewItemDetail(ReviewItemOut):
    assessment: dict[str, Any] | None = Field(
        description="the scoring response the item was flagged with: reasons, image matches "
                    "(catalog image ids), caption spans, price check, seller")
    audit: list[AuditEntryOut]
    network: NetworkOut | None = Field(
        default=None, description="sellers of the platform this seller shares rare photos or "
                                  "captions with, and the shared evidence")


class QueuePage(BaseModel):
    items: list[ReviewItemOut]
    next_offset: int | None


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    decision: Literal["approve", "remove", "escalate"]
    reason_codes: list[ReasonCode] = Field(default_factory=list, max_length=20)
    note: str | None = Field(default=None, max_length=2000)

    def codes(self) -> list[str]:
        return list(dict.fromkeys(self.reason_codes))


class BulkDecisionItem(DecisionIn):
    item_id: Id64


class BulkDecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    items: list[BulkDecisionItem] = Field(min_length=1, max_length=100)


class BulkResult(BaseModel):
    item_id: int
    ok: bool
    item: ReviewItemOut | None = None
    error: dict[str, Any] | None = None


class BulkDecisionOut(BaseModel):
    results: list[BulkResult]
    succeeded: int
    failed: int


class AuditPage(BaseModel):
    items: list[AuditEntryOut]
    next_after_id: int | None


class AppealIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str | None = Field(default=None, max_length=2000)
