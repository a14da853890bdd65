"""Unit tests of the per-feedback weights."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from models import thresholds as th
from models.reputation import BuyerHistory, Feedback
from models.reputation.weights import (
    burst_factors,
    credibility,
    decay,
    establishment,
    repeat_factors,
    value_factor,
    value_factors,
    value_references,
)

AT = datetime(2025, 1, 1, tzinfo=UTC)


def history(days=0.0, orders=0, sellers=0, account_days=None):
    return BuyerHistory(
        first_seen=AT - timedelta(days=days),
        orders_with_other_sellers=orders,
        distinct_other_sellers=sellers,
        account_created=None if account_days is None else AT - timedelta(days=account_days),
    )


def fb(buyer, at=AT, key="b", verified=True):
    return Feedback(key, 5, at, buyer, verified_order=verified)


def test_establishment_grows_with_history_tenure_and_stays_in_unit_interval():
    values = [
        establishment(history(), AT),
        establishment(history(days=10, orders=2, sellers=1), AT),
        establishment(history(days=60, orders=6, sellers=3), AT),
        establishment(history(days=400, orders=30, sellers=10), AT),
    ]
    assert values[0] == 0.0
    assert all(a < b for a, b in itertools.pairwise(values))
    assert values[-1] <= 1.0
    assert values[-1] > 0.95


def test_history_with_one_other_seller_counts_little():
    one_accomplice = establishment(history(days=60, orders=40, sellers=1), AT)
    diverse = establishment(history(days=60, orders=40, sellers=10), AT)
    capped = establishment(history(days=60, orders=th.REPUTATION_ORDERS_PER_SELLER_CAP, sellers=1), AT)
    assert one_accomplice == pytest.approx(capped)
    assert diverse > one_accomplice + 0.2


def test_account_age_counts_only_when_given():
    base = history(days=1, orders=0)
    old_account = history(days=1, orders=0, account_days=900)
    new_account = history(days=1, orders=0, account_days=1)
    assert establishment(old_account, AT) > establishment(base, AT)
    assert establishment(new_account, AT) < establishment(base, AT) + 1e-9


def test_history_is_judged_at_feedback_time_not_later():
    buyer = history(days=0)
    assert establishment(buyer, AT) < establishment(buyer, AT + timedelta(days=200))


def test_credibility_floor_and_unverified_halving():
    nobody = fb(history())
    veteran = fb(history(days=900, orders=50, sellers=20, account_days=2000))
    assert credibility(nobody) == pytest.approx(th.REPUTATION_CREDIBILITY_FLOOR)
    assert credibility(veteran) > 0.97
    unverified = fb(history(days=900, orders=50, sellers=20), verified=False)
    verified = fb(history(days=900, orders=50, sellers=20))
    assert credibility(unverified) == pytest.approx(credibility(verified) * th.REPUTATION_UNVERIFIED_ORDER_FACTOR)


def test_burst_factor_caps_total_new_buyer_mass_in_a_window():
    burst = [fb(history(), AT + timedelta(minutes=i), key=f"n{i}") for i in range(30)]
    far = fb(history(), AT + timedelta(days=30), key="far")
    veteran = fb(history(days=900, orders=50, sellers=20), AT, key="v")
    items = [*burst, far, veteran]
    est = [establishment(f.buyer, f.created_at) for f in items]
    factors = burst_factors(items, est)
    assert sum(factors[:30]) == pytest.approx(th.REPUTATION_BURST_ALLOWANCE)
    assert factors[30] == 1.0
    assert factors[31] == 1.0


def test_burst_factor_leaves_a_trickle_of_new_buyers_alone():
    spaced = [fb(history(), AT + timedelta(days=4 * i), key=f"n{i}") for i in range(10)]
    est = [establishment(f.buyer, f.created_at) for f in spaced]
    assert burst_factors(spaced, est) == [1.0] * 10


def test_repeat_factors_follow_inverse_square_root_in_time_order():
    items = [
        fb(history(), AT + timedelta(days=2), key="a"),
        fb(history(), AT, key="a"),
        fb(history(), AT + timedelta(days=1), key="a"),
        fb(history(), AT, key="b"),
    ]
    factors = repeat_factors(items)
    assert factors == pytest.approx([1 / 3**0.5, 1.0, 1 / 2**0.5, 1.0])


def test_value_factor_is_relative_to_the_median_per_currency_and_clipped():
    values = [(10.0, "CNY"), (20.0, "cny"), (30.0, "CNY"), (1000.0, "USD"), (None, None)]
    refs = value_references(values)
    assert refs == {"CNY": 20.0, "USD": 1000.0}
    factors = value_factors(values, refs)
    assert factors[1] == pytest.approx(1.0)
    assert factors[3] == pytest.approx(1.0)  # its own currency's median, no exchange rate
    assert factors[4] == 1.0
    assert factors[0] == pytest.approx((10 / 20) ** th.REPUTATION_VALUE_EXPONENT)
    assert value_factor(1e6, 1.0) == th.REPUTATION_VALUE_FACTOR_MAX
    assert value_factor(1e-6, 1.0) == th.REPUTATION_VALUE_FACTOR_MIN


def test_decay_halves_per_half_life():
    assert decay(0, 180) == 1.0
    assert decay(180, 180) == pytest.approx(0.5)
    assert decay(540, 180) == pytest.approx(0.125)
