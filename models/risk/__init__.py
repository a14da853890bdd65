"""Listing risk: features from plain signals, a sign-constrained calibrated model, reasons."""

from models.risk.model import DEFAULT_ARTIFACT_DIR, RiskModel, load_model
from models.risk.scoring import (
    DEFAULT_THRESHOLDS,
    REASON_CODES,
    Reason,
    RiskAssessment,
    RiskThresholds,
    decide,
    risk_level,
    score_listing,
)
from models.risk.signals import (
    CaptionSignal,
    CaptionSpan,
    ImageMatch,
    ListingSignals,
    SellerSignal,
)

__all__ = [
    "DEFAULT_ARTIFACT_DIR",
    "DEFAULT_THRESHOLDS",
    "REASON_CODES",
    "CaptionSignal",
    "CaptionSpan",
    "ImageMatch",
    "ListingSignals",
    "Reason",
    "RiskAssessment",
    "RiskModel",
    "RiskThresholds",
    "SellerSignal",
    "decide",
    "load_model",
    "risk_level",
    "score_listing",
]
