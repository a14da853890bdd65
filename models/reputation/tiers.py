"""Tier rules: warning first (evidence of counterfeits outranks any number of stars), then
`new` while evidence is thin, then gold/silver/bronze by the posterior's lower bound."""

from __future__ import annotations

from dataclasses import dataclass

from models import thresholds as th
from models.reputation.types import Reason, Tier


@dataclass(frozen=True)
class EvidenceSummary:
    score: float
    lower_bound: float
    evidence: float
    report_mass: float
    report_share: float
    reports: int
    confirmed: int
    confirmed_effective: float
    burst_dampened: int
    days_since_last: float | None
    half_life_days: float


def _warnings(s: EvidenceSummary) -> list[Reason]:
    out: list[Reason] = []
    if s.confirmed_effective >= th.REPUTATION_WARNING_CONFIRMED_MIN:
        out.append(
            Reason(
                "confirmed_counterfeit",
                f"{s.confirmed} counterfeit sale(s) confirmed by moderators",
                round(s.confirmed_effective, 3),
            )
        )
    if s.report_mass >= th.REPUTATION_WARNING_REPORT_MIN_MASS and s.report_share >= th.REPUTATION_WARNING_REPORT_SHARE:
        out.append(
            Reason(
                "counterfeit_reports",
                f"{s.reports} buyer report(s) of a counterfeit, {s.report_share:.0%} of value-weighted feedback",
                round(s.report_share, 4),
            )
        )
    if s.score < th.REPUTATION_WARNING_MAX_SCORE and s.evidence >= th.REPUTATION_NEW_MAX_EVIDENCE:
        out.append(Reason("mostly_negative", "feedback is mostly negative", round(s.score, 4)))
    return out


def _notes(s: EvidenceSummary) -> list[Reason]:
    """Facts that did not decide the tier but explain it."""
    out: list[Reason] = []
    if s.reports and s.report_mass < th.REPUTATION_WARNING_REPORT_MIN_MASS:
        out.append(
            Reason(
                "unconfirmed_reports",
                f"{s.reports} counterfeit report(s) from buyers with little history, pending confirmation",
                round(s.report_mass, 3),
            )
        )
    elif s.reports and s.report_share < th.REPUTATION_WARNING_REPORT_SHARE:
        out.append(
            Reason(
                "isolated_reports",
                f"{s.reports} counterfeit report(s), {s.report_share:.1%} of weighted feedback",
                round(s.report_share, 4),
            )
        )
    if s.burst_dampened:
        out.append(
            Reason(
                "burst_dampened",
                f"{s.burst_dampened} review(s) from new buyers arriving in a burst weigh less",
                float(s.burst_dampened),
            )
        )
    if s.days_since_last is not None and s.days_since_last > s.half_life_days:
        out.append(
            Reason(
                "stale",
                f"no feedback for {s.days_since_last:.0f} days; old feedback fades to the prior",
                round(s.days_since_last, 1),
            )
        )
    return out


def assign_tier(s: EvidenceSummary) -> tuple[Tier, list[Reason]]:
    warnings = _warnings(s)
    if warnings:
        return Tier.WARNING, warnings + _notes(s)
    if s.evidence < th.REPUTATION_NEW_MAX_EVIDENCE:
        reason = Reason(
            "insufficient_evidence",
            f"{s.evidence:.1f} effective reviews; {th.REPUTATION_NEW_MAX_EVIDENCE:.0f} needed for a rated tier",
            round(s.evidence, 3),
        )
        return Tier.NEW, [reason, *_notes(s)]
    ladder = (
        (Tier.GOLD, th.REPUTATION_GOLD_MIN_LOWER_BOUND, th.REPUTATION_GOLD_MIN_EVIDENCE),
        (Tier.SILVER, th.REPUTATION_SILVER_MIN_LOWER_BOUND, th.REPUTATION_SILVER_MIN_EVIDENCE),
    )
    for tier, min_lb, min_evidence in ladder:
        if s.lower_bound >= min_lb and s.evidence >= min_evidence:
            reason = Reason(
                "lower_bound",
                f"score lower confidence bound {s.lower_bound:.2f} over {s.evidence:.1f} effective reviews",
                round(s.lower_bound, 4),
            )
            return tier, [reason, *_notes(s)]
    reason = Reason(
        "lower_bound",
        f"score lower bound {s.lower_bound:.2f} over {s.evidence:.1f} effective reviews; "
        f"silver needs {th.REPUTATION_SILVER_MIN_LOWER_BOUND:.2f} over "
        f"{th.REPUTATION_SILVER_MIN_EVIDENCE:.0f}",
        round(s.lower_bound, 4),
    )
    return Tier.BRONZE, [reason, *_notes(s)]
