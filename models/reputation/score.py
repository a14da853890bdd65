"""Seller reputation: weighted Beta posterior over buyer feedback, then a tier with reasons.

See models/reputation/README.md for the formulas and why each term is there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from scipy.special import betaincinv

from models.reputation.tiers import EvidenceSummary, assign_tier
from models.reputation.types import (
    ConfirmedCounterfeit,
    Feedback,
    Reputation,
    ReputationConfig,
)
from models.reputation.weights import (
    age_days,
    burst_factors,
    credibility,
    decay,
    establishment,
    repeat_factors,
    value_factor,
    value_factors,
    value_references,
)

DEFAULT_CONFIG = ReputationConfig()


@dataclass(frozen=True)
class WeightedFeedback:
    """One feedback's weights, exposed for explanations and tests."""

    credibility: float
    burst: float
    repeat: float
    value: float
    decay: float

    @property
    def weight(self) -> float:
        """Evidence weight, without the value factor (value is a stake, not more evidence)."""
        return self.credibility * self.burst * self.repeat * self.decay


def weigh_feedback(
    feedback: Sequence[Feedback],
    now: datetime,
    config: ReputationConfig = DEFAULT_CONFIG,
    references: dict[str, float] | None = None,
) -> list[WeightedFeedback]:
    items = list(feedback)
    est = [establishment(f.buyer, f.created_at) for f in items]
    bursts = burst_factors(items, est) if config.burst_dampening else [1.0] * len(items)
    repeats = repeat_factors(items)
    values_in = [(f.order_value, f.currency) for f in items]
    if config.value_weighting:
        refs = references if references is not None else value_references(values_in)
        values = value_factors(values_in, refs)
    else:
        values = [1.0] * len(items)
    return [
        WeightedFeedback(
            credibility=credibility(f),
            burst=bursts[i],
            repeat=repeats[i],
            value=values[i],
            decay=decay(age_days(f.created_at, now), config.half_life_days),
        )
        for i, f in enumerate(items)
    ]


def lower_bound(alpha: float, beta: float, quantile: float) -> float:
    return float(betaincinv(alpha, beta, quantile))


def compute_reputation(
    feedback: Sequence[Feedback],
    confirmed: Sequence[ConfirmedCounterfeit],
    now: datetime,
    config: ReputationConfig = DEFAULT_CONFIG,
) -> Reputation:
    """Reputation of one seller at time `now` from all its feedback and confirmed counterfeits."""
    items = list(feedback)
    refs = value_references(
        [(f.order_value, f.currency) for f in items] + [(c.order_value, c.currency) for c in confirmed]
    )
    weighted = weigh_feedback(items, now, config, refs)

    alpha, beta = config.prior_alpha, config.prior_beta
    evidence = report_mass = report_value_mass = total_value_mass = 0.0
    dampened = 0
    for f, w in zip(items, weighted, strict=True):
        mass = w.weight
        staked = mass * w.value
        evidence += mass
        total_value_mass += staked
        dampened += w.burst < 1.0
        if f.counterfeit_suspected:
            # A report voids the stars that came with it: it counts as one star plus R more.
            report_mass += mass
            report_value_mass += staked
            beta += staked * (1.0 + config.counterfeit_report_weight)
        else:
            positive = (min(5, max(1, f.rating)) - 1) / 4.0
            alpha += staked * positive
            beta += staked * (1.0 - positive)
        if f.as_described is False:
            beta += staked * config.not_as_described_weight

    confirmed_effective = 0.0
    for c in confirmed:
        d = decay(age_days(c.confirmed_at, now), config.confirmed_half_life_days)
        confirmed_effective += d
        vf = value_factor(c.order_value, refs.get((c.currency or "").upper()))
        stake = vf if config.value_weighting else 1.0
        beta += d * stake * config.confirmed_counterfeit_weight

    score = alpha / (alpha + beta)
    lcb = lower_bound(alpha, beta, config.lower_bound_quantile)
    last = max((f.created_at for f in items), default=None)
    since = age_days(last, now) if last is not None else None
    summary = EvidenceSummary(
        score=score,
        lower_bound=lcb,
        evidence=evidence,
        report_mass=report_mass,
        report_share=report_value_mass / total_value_mass if total_value_mass > 0 else 0.0,
        reports=sum(1 for f in items if f.counterfeit_suspected),
        confirmed=len(confirmed),
        confirmed_effective=confirmed_effective,
        burst_dampened=dampened,
        days_since_last=since,
        half_life_days=config.half_life_days,
    )
    tier, reasons = assign_tier(summary)
    return Reputation(
        score=score,
        lower_bound=lcb,
        tier=tier,
        reasons=tuple(reasons),
        feedback_count=len(items),
        effective_evidence=evidence,
        counterfeit_reports=summary.reports,
        confirmed_counterfeits=len(confirmed),
        last_feedback_at=last,
        days_since_last_feedback=since,
        alpha=alpha,
        beta=beta,
        details={
            "report_mass": report_mass,
            "report_share": summary.report_share,
            "confirmed_effective": confirmed_effective,
            "burst_dampened": float(dampened),
        },
    )
