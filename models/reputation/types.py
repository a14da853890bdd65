"""Plain-data inputs and outputs of the reputation model.

Buyers appear only as pseudonyms (`buyer_key`): the model never needs, and never returns, a
raw buyer id.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

from models import thresholds as th


class Tier(enum.StrEnum):
    NEW = "new"
    BRONZE = "bronze"
    SILVER = "silver"
    GOLD = "gold"
    WARNING = "warning"


@dataclass(frozen=True)
class BuyerHistory:
    """What the platform knew about the buyer when the feedback was written.

    Counts cover orders with *other* sellers only, so a seller's own sock puppets buying from
    that seller again and again build no credibility.
    """

    first_seen: datetime
    orders_with_other_sellers: int = 0
    distinct_other_sellers: int = 0
    account_created: datetime | None = None


@dataclass(frozen=True)
class Feedback:
    buyer_key: str
    rating: int  # 1..5
    created_at: datetime
    buyer: BuyerHistory
    verified_order: bool = True
    as_described: bool | None = None
    counterfeit_suspected: bool = False
    order_value: float | None = None
    currency: str | None = None


@dataclass(frozen=True)
class ConfirmedCounterfeit:
    """A moderator's decision that the seller sold a counterfeit."""

    confirmed_at: datetime
    order_value: float | None = None
    currency: str | None = None


@dataclass(frozen=True)
class ReputationConfig:
    half_life_days: float = th.REPUTATION_HALF_LIFE_DAYS
    confirmed_half_life_days: float = th.REPUTATION_CONFIRMED_HALF_LIFE_DAYS
    prior_alpha: float = th.REPUTATION_PRIOR_ALPHA
    prior_beta: float = th.REPUTATION_PRIOR_BETA
    lower_bound_quantile: float = th.REPUTATION_LOWER_BOUND_QUANTILE
    counterfeit_report_weight: float = th.REPUTATION_COUNTERFEIT_REPORT_WEIGHT
    confirmed_counterfeit_weight: float = th.REPUTATION_CONFIRMED_COUNTERFEIT_WEIGHT
    not_as_described_weight: float = th.REPUTATION_NOT_AS_DESCRIBED_WEIGHT
    burst_dampening: bool = True
    value_weighting: bool = True


@dataclass(frozen=True)
class Reason:
    code: str
    message: str
    value: float | None = None


@dataclass(frozen=True)
class Reputation:
    score: float  # posterior mean of the Beta, in [0, 1]
    lower_bound: float  # lower quantile of the posterior
    tier: Tier
    reasons: tuple[Reason, ...]
    feedback_count: int  # raw number of feedback records
    effective_evidence: float  # credibility-, burst- and decay-weighted count
    counterfeit_reports: int
    confirmed_counterfeits: int
    last_feedback_at: datetime | None
    days_since_last_feedback: float | None
    alpha: float
    beta: float
    details: dict[str, float] = field(default_factory=dict)
