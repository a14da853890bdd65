"""Per-feedback weights: buyer credibility, burst dampening, repeats, order value, time decay.

Each function is pure and vectorised over a list of feedback in a fixed order; formulas are
written out in models/reputation/README.md.
"""

from __future__ import annotations

import bisect
import math
import statistics
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from models import thresholds as th
from models.reputation.types import BuyerHistory, Feedback

SECONDS_PER_DAY = 86_400.0


def age_days(then: datetime, now: datetime) -> float:
    """Days from `then` to `now`; feedback dated in the future counts as fresh, not negative."""
    return max(0.0, (now - then).total_seconds() / SECONDS_PER_DAY)


def decay(age: float, half_life_days: float) -> float:
    return float(0.5 ** (age / half_life_days))


def _saturate(x: float, scale: float) -> float:
    return 1.0 - math.exp(-max(0.0, x) / scale)


def establishment(buyer: BuyerHistory, at: datetime) -> float:
    """How established the buyer was at time `at`, in [0, 1].

    Orders with other sellers count at most `ORDERS_PER_SELLER_CAP` per seller, so a history
    built with one accomplice counts little; account age joins the mean only when known.
    """
    effective_orders = min(
        buyer.orders_with_other_sellers,
        th.REPUTATION_ORDERS_PER_SELLER_CAP * buyer.distinct_other_sellers,
    )
    parts = [
        (0.5, _saturate(effective_orders, th.REPUTATION_HISTORY_SCALE_ORDERS)),
        (0.3, _saturate(age_days(buyer.first_seen, at), th.REPUTATION_TENURE_SCALE_DAYS)),
    ]
    if buyer.account_created is not None:
        account_age = age_days(buyer.account_created, at)
        parts.append((0.2, _saturate(account_age, th.REPUTATION_ACCOUNT_AGE_SCALE_DAYS)))
    total = sum(w for w, _ in parts)
    return sum(w * v for w, v in parts) / total


def credibility(item: Feedback) -> float:
    """Weight of one buyer's word: floor + (1 - floor) * establishment, halved if unverified."""
    floor = th.REPUTATION_CREDIBILITY_FLOOR
    base = floor + (1.0 - floor) * establishment(item.buyer, item.created_at)
    return base if item.verified_order else base * th.REPUTATION_UNVERIFIED_ORDER_FACTOR


def burst_factors(items: Sequence[Feedback], establishments: Sequence[float]) -> list[float]:
    """Down-weight feedback from new buyers arriving in bursts.

    For a new buyer's feedback, k counts new-buyer feedback within half a window either side
    (itself included); its factor is min(1, allowance / k), so a burst of any size carries at
    most the mass of `allowance` new buyers.
    """
    new_idx = [i for i, e in enumerate(establishments) if e < th.REPUTATION_NEW_BUYER_ESTABLISHMENT]
    times = sorted(items[i].created_at.timestamp() for i in new_idx)
    half_window = th.REPUTATION_BURST_WINDOW_HOURS * 3600.0 / 2.0
    factors = [1.0] * len(items)
    for i in new_idx:
        t = items[i].created_at.timestamp()
        k = bisect.bisect_right(times, t + half_window) - bisect.bisect_left(times, t - half_window)
        factors[i] = min(1.0, th.REPUTATION_BURST_ALLOWANCE / k)
    return factors


def repeat_factors(items: Sequence[Feedback]) -> list[float]:
    """The j-th feedback of one buyer for this seller counts 1/sqrt(j): loyal customers still
    add evidence, but one account cannot outweigh many."""
    order = sorted(range(len(items)), key=lambda i: items[i].created_at)
    seen: dict[str, int] = defaultdict(int)
    factors = [1.0] * len(items)
    for i in order:
        seen[items[i].buyer_key] += 1
        factors[i] = 1.0 / math.sqrt(seen[items[i].buyer_key])
    return factors


def value_factor(value: float | None, reference: float | None) -> float:
    if value is None or reference is None or value <= 0 or reference <= 0:
        return 1.0
    raw = (value / reference) ** th.REPUTATION_VALUE_EXPONENT
    return min(th.REPUTATION_VALUE_FACTOR_MAX, max(th.REPUTATION_VALUE_FACTOR_MIN, raw))


def value_references(values: Sequence[tuple[float | None, str | None]]) -> dict[str, float]:
    """Median order value per currency: values are only compared within one currency, so no
    exchange rates are needed."""
    by_currency: dict[str, list[float]] = defaultdict(list)
    for value, currency in values:
        if value is not None and value > 0:
            by_currency[(currency or "").upper()].append(value)
    return {cur: statistics.median(vals) for cur, vals in by_currency.items()}


def value_factors(values: Sequence[tuple[float | None, str | None]], references: dict[str, float]) -> list[float]:
    return [value_factor(v, references.get((c or "").upper())) for v, c in values]
