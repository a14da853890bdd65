"""Seller reputation from buyer feedback: pure functions over plain data.

Formulas and the reasoning behind them: models/reputation/README.md.
"""

from models.reputation.score import WeightedFeedback, compute_reputation, weigh_feedback
from models.reputation.types import (
    BuyerHistory,
    ConfirmedCounterfeit,
    Feedback,
    Reason,
    Reputation,
    ReputationConfig,
    Tier,
)

__all__ = [
    "BuyerHistory",
    "ConfirmedCounterfeit",
    "Feedback",
    "Reason",
    "Reputation",
    "ReputationConfig",
    "Tier",
    "WeightedFeedback",
    "compute_reputation",
    "weigh_feedback",
]
