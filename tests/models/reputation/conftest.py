"""Seeded feedback-stream generators shared by the reputation tests."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from models.reputation import BuyerHistory, ConfirmedCounterfeit, Feedback

NOW = datetime(2025, 6, 1, 12, tzinfo=UTC)


class FeedbackSim:
    """Builds feedback from two buyer populations: established (months of orders with several
    other sellers) and brand-new (first seen the hour they review)."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.now = NOW
        self._n = 0

    def _key(self, prefix: str) -> str:
        self._n += 1
        return f"{prefix}{self._n}"

    def established_buyer(self, at: datetime) -> BuyerHistory:
        return BuyerHistory(
            first_seen=at - timedelta(days=self.rng.uniform(90, 900)),
            orders_with_other_sellers=self.rng.randint(8, 40),
            distinct_other_sellers=self.rng.randint(4, 12),
        )

    @staticmethod
    def new_buyer(at: datetime) -> BuyerHistory:
        return BuyerHistory(first_seen=at - timedelta(minutes=30))

    def when(self, max_days: float, min_days: float = 0.5) -> datetime:
        return self.now - timedelta(days=self.rng.uniform(min_days, max_days))

    def good(
        self,
        n: int,
        max_days: float = 300,
        *,
        established: bool = True,
        value: tuple[float, float] | None = None,
        min_days: float = 0.5,
    ) -> list[Feedback]:
        out = []
        for _ in range(n):
            at = self.when(max_days, min_days)
            buyer = self.established_buyer(at) if established else self.new_buyer(at)
            out.append(
                Feedback(
                    buyer_key=self._key("g"),
                    rating=self.rng.choice([4, 5, 5, 5]),
                    created_at=at,
                    buyer=buyer,
                    as_described=True,
                    order_value=self.rng.uniform(*value) if value else None,
                    currency="CNY" if value else None,
                )
            )
        return out

    def reports(self, n: int, max_days: float = 90, *, value: tuple[float, float] | None = None) -> list[Feedback]:
        out = []
        for _ in range(n):
            at = self.when(max_days)
            out.append(
                Feedback(
                    buyer_key=self._key("r"),
                    rating=self.rng.choice([1, 1, 2]),
                    created_at=at,
                    buyer=self.established_buyer(at),
                    as_described=False,
                    counterfeit_suspected=True,
                    order_value=self.rng.uniform(*value) if value else None,
                    currency="CNY" if value else None,
                )
            )
        return out

    def sybil_burst(self, n: int = 50, days_ago: float = 2.0) -> list[Feedback]:
        """n five-star reviews from accounts first seen the same day, within a few hours."""
        day = self.now - timedelta(days=days_ago)
        out = []
        for _ in range(n):
            at = day + timedelta(minutes=self.rng.uniform(0, 8 * 60))
            out.append(Feedback(self._key("s"), 5, at, self.new_buyer(at), as_described=True))
        return out

    def confirmed(self, n: int, max_days: float = 60) -> list[ConfirmedCounterfeit]:
        return [ConfirmedCounterfeit(confirmed_at=self.when(max_days)) for _ in range(n)]


@pytest.fixture
def make_sim() -> Callable[[int], FeedbackSim]:
    return FeedbackSim


@pytest.fixture
def now() -> datetime:
    return NOW
