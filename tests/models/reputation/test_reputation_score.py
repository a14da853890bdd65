"""Unit tests of the Beta score, the tier rules and the output's shape."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta

import pytest

from models.reputation import (
    BuyerHistory,
    ConfirmedCounterfeit,
    Feedback,
    ReputationConfig,
    Tier,
    compute_reputation,
)


def test_no_feedback_gives_the_prior_and_new(now):
    rep = compute_reputation([], [], now)
    config = ReputationConfig()
    assert rep.score == pytest.approx(config.prior_alpha / (config.prior_alpha + config.prior_beta))
    assert rep.tier is Tier.NEW
    assert rep.feedback_count == 0
    assert rep.last_feedback_at is None
    assert rep.days_since_last_feedback is None
    assert 0.0 <= rep.lower_bound < rep.score


def test_lower_bound_tightens_with_evidence(make_sim):
    sim = make_sim(1)
    small = compute_reputation(sim.good(5, max_days=10), [], sim.now)
    large = compute_reputation(sim.good(200, max_days=10), [], sim.now)
    assert small.score - small.lower_bound > 2 * (large.score - large.lower_bound)
    assert large.tier is Tier.GOLD


def test_one_counterfeit_report_outweighs_many_stars(make_sim):
    sim = make_sim(2)
    good = sim.good(5, max_days=10)
    with_report = compute_reputation(good + sim.reports(1, max_days=10), [], sim.now)
    with_one_star = compute_reputation(
        good + [replace(f, counterfeit_suspected=False) for f in sim.reports(1, max_days=10)],
        [],
        sim.now,
    )
    assert with_report.score < with_one_star.score - 0.2


def test_a_confirmed_counterfeit_outweighs_a_long_good_record(make_sim):
    sim = make_sim(3)
    good = sim.good(60, max_days=200)
    clean = compute_reputation(good, [], sim.now)
    confirmed = compute_reputation(good, sim.confirmed(1, max_days=30), sim.now)
    assert clean.tier in {Tier.SILVER, Tier.GOLD}
    assert confirmed.tier is Tier.WARNING
    assert confirmed.score < clean.score - 0.15


def test_confirmed_counterfeit_warning_fades_after_its_half_life(make_sim, now):
    sim = make_sim(4)
    good = sim.good(60, max_days=60)
    confirmed = [ConfirmedCounterfeit(confirmed_at=now - timedelta(days=30))]
    assert compute_reputation(good, confirmed, now).tier is Tier.WARNING
    later = now + timedelta(days=ReputationConfig().confirmed_half_life_days)
    assert compute_reputation(good, confirmed, later).tier is not Tier.WARNING


def test_reports_from_throwaway_accounts_alone_do_not_flag(now):
    throwaway = [
        Feedback(
            f"t{i}",
            1,
            now - timedelta(days=1, minutes=i),
            BuyerHistory(first_seen=now - timedelta(days=1, minutes=i + 5)),
            counterfeit_suspected=True,
        )
        for i in range(2)
    ]
    rep = compute_reputation(throwaway, [], now)
    assert rep.tier is not Tier.WARNING
    assert "unconfirmed_reports" in {r.code for r in rep.reasons}


def test_mostly_negative_ratings_give_warning(make_sim):
    sim = make_sim(5)
    bad = [replace(f, rating=1, as_described=False) for f in sim.good(10)]
    rep = compute_reputation(bad, [], sim.now)
    assert rep.tier is Tier.WARNING
    assert {r.code for r in rep.reasons} == {"mostly_negative"}


def test_result_does_not_depend_on_input_order(make_sim):
    sim = make_sim(6)
    feedback = sim.good(30) + sim.reports(2) + sim.sybil_burst(10)
    shuffled = list(feedback)
    random.Random(0).shuffle(shuffled)
    a = compute_reputation(feedback, [], sim.now)
    b = compute_reputation(shuffled, [], sim.now)
    assert a.score == pytest.approx(b.score)
    assert a.tier is b.tier


def test_half_life_is_configurable(make_sim):
    sim = make_sim(7)
    feedback = sim.good(20, min_days=99, max_days=101)
    short = compute_reputation(feedback, [], sim.now, ReputationConfig(half_life_days=30))
    default = compute_reputation(feedback, [], sim.now)
    assert short.effective_evidence < default.effective_evidence / 5


def test_output_reports_counts_recency_and_reasons_without_buyer_keys(make_sim):
    sim = make_sim(8)
    feedback = sim.good(12, max_days=50, min_days=3) + sim.reports(1, max_days=40)
    rep = compute_reputation(feedback, sim.confirmed(1), sim.now)
    assert rep.feedback_count == 13
    assert rep.counterfeit_reports == 1
    assert rep.confirmed_counterfeits == 1
    assert rep.last_feedback_at == max(f.created_at for f in feedback)
    assert rep.days_since_last_feedback == pytest.approx((sim.now - rep.last_feedback_at).total_seconds() / 86400)
    assert rep.reasons
    text = " ".join(r.message + r.code for r in rep.reasons)
    assert not any(f.buyer_key in text for f in feedback)


def test_future_dated_feedback_counts_as_fresh(now):
    buyer = BuyerHistory(first_seen=now - timedelta(days=400), orders_with_other_sellers=20, distinct_other_sellers=8)
    future = Feedback("f", 5, now + timedelta(days=30), buyer)
    present = Feedback("f", 5, now, buyer)
    assert compute_reputation([future], [], now).effective_evidence == pytest.approx(
        compute_reputation([present], [], now).effective_evidence, rel=0.05
    )
    assert compute_reputation([future], [], now).days_since_last_feedback == 0.0
