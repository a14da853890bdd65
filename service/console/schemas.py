"""What the console's forms send and what its pages show (view models for the templates)."""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from service.review.repository import QueueCursor

Level = Literal["high", "medium", "low"]
AgeBucket = Literal["under_1h", "under_24h", "older"]
Decision = Literal["approve", "remove", "escalate"]
# Reason codes a moderator picks from, per decision; the first is the default.
REASONS: dict[str, tuple[str, ...]] = {
    "approve": ("genuine", "authorized_seller", "insufficient_evidence", "other"),
    "remove": ("counterfeit", "prohibited_item", "misleading", "spam", "other"),
    "escalate": ("needs_senior", "unclear_evidence", "legal", "other"),
}


class QueueQuery(BaseModel):
    """The queue page's filters (query string) and the "Start reviewing" form's."""

    model_config = ConfigDict(extra="ignore")
    queue: Literal["standard", "senior"] = "standard"
    level: Level | None = None
    brand: str | None = Field(default=None, max_length=200)
    reason: str | None = Field(default=None, max_length=64, pattern=r"^[a-z0-9_]*$")
    platform: str | None = Field(default=None, max_length=100)
    age: AgeBucket | None = None
    after: str | None = Field(default=None, max_length=300)

    def age_bounds(self) -> tuple[float | None, float | None]:
        """(min, max) age in minutes."""
        return {"under_1h": (None, 60.0), "under_24h": (None, 1440.0),
                "older": (1440.0, None), None: (None, None)}[self.age]

    def params(self, **changes: str | None) -> dict[str, str]:
        values = self.model_dump(exclude={"after"}) | changes
        return {k: str(v) for k, v in values.items() if v}


class DecisionForm(BaseModel):
    model_config = ConfigDict(extra="ignore")
    decision: Decision
    reason: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9_]+$")
    note: str | None = Field(default=None, max_length=2000)
    queue: Literal["standard", "senior"] = "standard"


def encode_cursor(cursor: QueueCursor) -> str:
    raw = json.dumps([cursor.level, cursor.enqueued_at.isoformat(), cursor.risk, cursor.id])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(text: str | None) -> QueueCursor | None:
    if not text:
        return None
    try:
        level, at, risk, item_id = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        return QueueCursor(str(level), dt.datetime.fromisoformat(at), float(risk), int(item_id))
    except (ValueError, TypeError):
        return None


@dataclass(frozen=True)
class Box:
    """A region of a photo as fractions of its width and height (0..1)."""

    x: float
    y: float
    w: float
    h: float

    def scaled(self, side: int = 1000) -> dict[str, int]:
        return {"x": round(self.x * side), "y": round(self.y * side),
                "w": max(1, round(self.w * side)), "h": max(1, round(self.h * side))}


@dataclass(frozen=True)
class PhotoView:
    index: int
    status: Literal["matched", "unmatched", "pending"]
    catalog_image_id: int | None = None
    brand: str | None = None
    product_id: int | None = None
    stage: str | None = None  # hash / local
    kind: str | None = None  # phash, dhash, pdq, orb
    region: str | None = None  # full, cell-3, photo, box
    confidence: float | None = None
    box: Box | None = None


@dataclass(frozen=True)
class CaptionPart:
    text: str
    category: str | None = None  # a lexicon span's category, None for plain text


@dataclass(frozen=True)
class ReasonBar:
    code: str
    contribution: float
    share: float  # of the largest contribution, 0..1
    evidence: dict[str, Any] = field(default_factory=dict)


class AuditQuery(BaseModel):
    """The audit log's filters: person, item, action, dates (UTC days, `until` inclusive)."""

    model_config = ConfigDict(extra="ignore")
    person: str | None = Field(default=None, max_length=100)
    item: int | None = Field(default=None, ge=1)
    action: Literal["enqueue", "reassess", "withdraw", "claim", "release", "decision",
                    "escalate", "appeal"] | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    after: int | None = Field(default=None, ge=0)

    def bounds(self) -> tuple[dt.datetime | None, dt.datetime | None]:
        start = dt.datetime.combine(self.since, dt.time(), dt.UTC) if self.since else None
        end = (dt.datetime.combine(self.until, dt.time(), dt.UTC) + dt.timedelta(days=1)
               if self.until else None)
        return start, end

    def params(self, **changes: object) -> dict[str, str]:
        values = self.model_dump(exclude={"after"}) | changes
        return {k: str(v) for k, v in values.items() if v not in (None, "")}


class AccountForm(BaseModel):
    model_config = ConfigDict(extra="ignore")
    username: str = Field(min_length=2, max_length=64)
    role: Literal["moderator", "senior_moderator", "admin"]
    platform: str | None = Field(default=None, max_length=100)
    password: str = Field(min_length=10, max_length=1000)


class BulkForm(BaseModel):
    model_config = ConfigDict(extra="ignore")
    items: list[int] = Field(min_length=1, max_length=100)
    decision: Literal["approve", "remove"]
    reason: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9_]+$")
