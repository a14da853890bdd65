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
from models.risk.features import FEATURES, canonical_category, extract_features
from models.risk.model import RiskModel
from models.risk.signals import BankMatch, ListingSignals

Level = Literal["low", "medium", "high"]
Decision = Literal["allow", "review", "block"]
BLOCK_NEEDS_GROUNDS = "block_needs_grounds"  # a block held at review: see block_grounds
KNOWN_PHOTO_NEEDS_REVIEW = "known_photo_needs_review"  # an allow raised: see known_photo_floor
REASON_CODES: tuple[str, ...] = (*dict.fromkeys(f.reason for f in FEATURES), BLOCK_NEEDS_GROUNDS,
                                 KNOWN_PHOTO_NEEDS_REVIEW)


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


# Features that ground a block by themselves: the official photo by an unauthorized seller,
# a price far below the identified product's list price, confirmed counterfeits, a photo
# moderators already removed as counterfeit. (A link to a confirmed seller does not: it is
# a shared photo or caption, which may be a stock photo under the rarity cap.)
GROUNDING_FEATURES = ("official_photo_unauthorized_below_list",
                      "official_photo_unauthorized_price_hidden", "price_far_below_list",
                      "price_implausibly_low", "seller_confirmed_counterfeits",
                      "known_counterfeit_photo")
# Lexicon categories that say outright the goods are copies (1:1, 高仿, replica).
EXPLICIT_LANGUAGE = frozenset({"quality_grade", "replica_term"})


def block_grounds(signals: ListingSignals, features: dict[str, float]) -> str | None:
    """What a `block` may stand on, or None when only the caption's wording speaks.

    Counterfeit-sounding words alone, on a listing with the seller's own photos at an
    ordinary price, can reach `review` but not `block`: honest sellers use those words too
    (a jade seller's "A货", "super A" for cool). Explicit language is enough when the caption
    model reads it as counterfeit in context.
    """
    grounded = [name for name in GROUNDING_FEATURES if features.get(name, 0.0) > 0]
    if grounded:
        return grounded[0]
    gap = signals.brand_price
    if gap is not None and gap.ratio < th.RISK_BRAND_PRICE_GAP_RATIO:
        return "brand_price_gap"
    caption = signals.caption
    if caption is None or caption.probability < th.RISK_EXPLICIT_LANGUAGE_MIN_PROBABILITY:
        return None
    explicit = any(canonical_category(s.category) in EXPLICIT_LANGUAGE for s in caption.spans)
    return "explicit_language" if explicit else None


def known_photo_floor(signals: ListingSignals) -> BankMatch | None:
    """The bank match that keeps this listing from an automatic `allow`, if any: one at
    least RISK_KNOWN_PHOTO_REVIEW_CONFIDENCE sure (a moderator removed that photo as
    counterfeit; a person decides whether this listing is the same case)."""
    confident = [m for m in signals.bank_matches
                 if m.confidence >= th.RISK_KNOWN_PHOTO_REVIEW_CONFIDENCE]
    return max(confident, key=lambda m: m.confidence, default=None)


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
    features = {spec.name: float(v) for spec, v in zip(FEATURES, extracted.values, strict=True)}
    decision = decide(risk, thresholds)
    floor = known_photo_floor(signals) if decision == "allow" else None
    if floor is not None:
        decision = "review"
        reasons.append(Reason(KNOWN_PHOTO_NEEDS_REVIEW, 0.0, {
            "why": "a photo matches one moderators removed as counterfeit: a person decides",
            "entry_id": floor.entry_id, "confidence": round(floor.confidence, 4)}))
    if decision == "block" and block_grounds(signals, features) is None:
        decision = "review"
        reasons.append(Reason(BLOCK_NEEDS_GROUNDS, 0.0, {
            "why": "only the caption's wording points to a counterfeit: a person decides"}))
    return RiskAssessment(
        risk=risk,
        level=risk_level(risk),
        decision=decision,
        reasons=tuple(reasons),
        model_version=model.version,
        logit=logit,
        base_logit=model.base_logit,
        features=features,
    )
