"""The issue's targets as seeded simulations: each holds for every seed tried."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from models.reputation import ReputationConfig, Tier, compute_reputation

SEEDS = range(12)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("honest_base", [0, 10, 40])
def test_sybil_burst_cannot_lift_seller_with_confirmed_counterfeits(make_sim, seed, honest_base):
    sim = make_sim(seed)
    base = sim.good(honest_base)
    confirmed = sim.confirmed(2)
    before = compute_reputation(base, confirmed, sim.now)
    after = compute_reputation(base + sim.sybil_burst(50), confirmed, sim.now)
    assert before.tier is Tier.WARNING
    assert after.tier is Tier.WARNING
    assert "confirmed_counterfeit" in {r.code for r in after.reasons}


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("honest_base", [0, 10, 40])
def test_sybil_burst_cannot_hide_established_buyers_reports(make_sim, seed, honest_base):
    sim = make_sim(seed)
    feedback = sim.good(honest_base) + sim.reports(3)
    before = compute_reputation(feedback, [], sim.now)
    after = compute_reputation(feedback + sim.sybil_burst(50), [], sim.now)
    assert before.tier is Tier.WARNING
    assert after.tier is Tier.WARNING
    assert "counterfeit_reports" in {r.code for r in after.reasons}


@pytest.mark.parametrize("seed", SEEDS)
def test_sybil_burst_cannot_buy_a_tier_for_a_clean_seller(make_sim, seed):
    sim = make_sim(seed)
    rep = compute_reputation(sim.sybil_burst(50), [], sim.now)
    assert rep.tier is Tier.NEW
    assert rep.feedback_count == 50
    assert "burst_dampened" in {r.code for r in rep.reasons}


@pytest.mark.parametrize("seed", SEEDS)
def test_burst_dampening_is_what_stops_the_sybils(make_sim, seed):
    sim = make_sim(seed)
    burst = sim.sybil_burst(50)
    damped = compute_reputation(burst, [], sim.now)
    undamped = compute_reputation(burst, [], sim.now, ReputationConfig(burst_dampening=False))
    assert undamped.effective_evidence > 10 * damped.effective_evidence
    assert undamped.tier is not Tier.NEW


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("established", [True, False])
def test_honest_seller_with_three_good_reviews_is_new_or_better(make_sim, seed, established):
    sim = make_sim(seed)
    rep = compute_reputation(sim.good(3, max_days=120, established=established), [], sim.now)
    assert rep.tier in {Tier.NEW, Tier.BRONZE, Tier.SILVER, Tier.GOLD}
    assert rep.score > ReputationConfig().prior_alpha / (ReputationConfig().prior_alpha + ReputationConfig().prior_beta)


@pytest.mark.parametrize("seed", SEEDS)
def test_cheap_good_orders_do_not_hide_reports_on_expensive_ones(make_sim, seed):
    sim = make_sim(seed)
    cheap = sim.good(100, value=(15.0, 40.0))
    clean = compute_reputation(cheap, [], sim.now)
    rep = compute_reputation(cheap + sim.reports(3, value=(800.0, 3000.0)), [], sim.now)
    assert clean.tier in {Tier.SILVER, Tier.GOLD}
    assert rep.tier is Tier.WARNING
    assert rep.score < clean.score - 0.3


@pytest.mark.parametrize("seed", SEEDS)
def test_value_weighting_raises_the_weight_of_expensive_reports(make_sim, seed):
    sim = make_sim(seed)
    feedback = sim.good(100, value=(15.0, 40.0)) + sim.reports(3, value=(800.0, 3000.0))
    weighted = compute_reputation(feedback, [], sim.now)
    flat = compute_reputation(feedback, [], sim.now, ReputationConfig(value_weighting=False))
    assert weighted.details["report_share"] > 2.5 * flat.details["report_share"]
    assert weighted.score < flat.score


@pytest.mark.parametrize("seed", SEEDS)
def test_old_good_feedback_drifts_toward_the_prior(make_sim, seed):
    sim = make_sim(seed)
    config = ReputationConfig()
    prior_mean = config.prior_alpha / (config.prior_alpha + config.prior_beta)
    feedback = sim.good(30, max_days=30)
    gaps, evidence = [], []
    for years in (0, 0.5, 1, 2, 4, 8):
        rep = compute_reputation(feedback, [], sim.now + timedelta(days=365 * years))
        gaps.append(abs(rep.score - prior_mean))
        evidence.append(rep.effective_evidence)
    assert all(a > b for a, b in itertools.pairwise(gaps))
    assert all(a > b for a, b in itertools.pairwise(evidence))
    assert gaps[-1] < 0.01 * gaps[0] + 1e-3
    # half-life: 180 days of ageing halves the evidence
    half = compute_reputation(feedback, [], sim.now + timedelta(days=180))
    assert half.effective_evidence == pytest.approx(evidence[0] / 2, rel=1e-9)
    assert rep.tier is Tier.NEW
    assert "stale" in {r.code for r in rep.reasons}
