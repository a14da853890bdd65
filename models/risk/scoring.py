"""Listing risk assessment: signals -> risk, level, decision and reasons with contributions.

`risk` is the calibrated counterfeit probability. A reason's `contribution` is the sum of
its features' contributions in log-odds relative to a clean listing (the model's baseline),
so the reasons explain the score exactly: base log-odds + sum of all contributions = the
listing's log-odds. Positive reasons raise risk, negative ones (authorized reseller, good
reputation, legitimacy cues) lower it; they are sorted from the most raising down.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from models import thresholds as th
from models.risk.features import FEATURES, extract_features
from models.risk.model import RiskModel
from models.risk.signals import ListingSignals

Level = Literal["low", "medium", "high"]
Decision = Literal["allow", "review", "block"]
REASON_CODES: tuple[str, ...] = tuple(dict.fromkeys(f.reason for f in FEATURES))


@dataclass(frozen=True)
class RiskThresholds:
    """Decision thresholds; platforms may set their own, the defaults live in thresholds.py."""

    review: float = th.RISK_REVIEW_AT
    block: float = th.RISK_BLOCK_AT

    def __post_init__(self) -> None:
        if not 0.0 <= self.review <= self.block <= 1.0:
            raise ValueError("thresholds must satisfy 0 <= review <= block <= 1")


DEFAULT_THRESHOLDS = RiskThresholds()


@dataclass(frozen=True)
class Reason:
    code: str
    contribution: float  # log-odds
    evidence: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "contribution": self.contribution, "evidence": self.evidence}


@dataclass(frozen=True)
class RiskAssessment:
    risk: float
    level: Level
    decision: Decision
    reasons: tuple[Reason, ...]
    model_version: str
    logit: float
    base_logit: float
    features: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        return {
            "risk": self.risk,
            "level": self.level,
            "decision": self.decision,
            "reasons": [r.to_dict() for r in self.reasons],
            "model_version": self.model_version,
        }


def risk_level(risk: float) -> Level:
    if risk >= th.RISK_LEVEL_HIGH_AT:
        return "high"
    if risk >= th.RISK_LEVEL_MEDIUM_AT:
        return "medium"
    return "low"


def decide(risk: float, thresholds: RiskThresholds = DEFAULT_THRESHOLDS) -> Decision:
    if risk >= thresholds.block:
        return "block"
    if risk >= thresholds.review:
        return "review"
    return "allow"


def score_listing(signals: ListingSignals, model: RiskModel,
                  thresholds: RiskThresholds = DEFAULT_THRESHOLDS) -> RiskAssessment:
    extracted = extract_features(signals)
    contributions = model.contributions(extracted.values)
    by_reason: dict[str, float] = {}
    for spec, value in zip(FEATURES, contributions, strict=True):
        by_reason[spec.reason] = by_reason.get(spec.reason, 0.0) + float(value)
    reasons = sorted(
        (
            Reason(code, round(total, 4), extracted.evidence.get(code, {}))
            for code, total in by_reason.items()
            if abs(total) >= th.RISK_REASON_MIN_ABS_CONTRIBUTION
        ),
        key=lambda r: (-r.contribution, r.code),
    )
    logit = model.logit(extracted.values)
    risk = model.predict(extracted.values)
    return RiskAssessment(
        risk=risk,
        level=risk_level(risk),
        decision=decide(risk, thresholds),
        reasons=tuple(reasons),
        model_version=model.version,
        logit=logit,
        base_logit=model.base_logit,
        features={spec.name: float(v) for spec, v in zip(FEATURES, extracted.values,
                                                          strict=True)},
    )
