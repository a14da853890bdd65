"""Flagged listings put straight into the database, so review tests need no scoring."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from service.auth.service import Role, create_key
from service.kit.db import utcnow
from service.listings.tables import Listing, ListingAssessment
from service.review import service as review


@pytest.fixture
def make_flagged(session_factory: sessionmaker[Session]) -> Callable[..., int]:
    counter = iter(range(1, 10_000))

    def build(risk: float = 0.8, level: str = "high", decision: str = "review",
              brand: str | None = "Vellora", reasons: tuple[str, ...] = ("price_far_below_list",),
              platform: str = "shop-a", seller: str = "seller-1",
              enqueued_at: dt.datetime | None = None) -> int:
        n = next(counter)
        now = enqueued_at or utcnow()
        with session_factory() as session:
            listing = Listing(platform_id=platform, listing_id=f"L{n}", seller_id=seller,
                              current_version=1)
            session.add(listing)
            session.flush()
            assessment = ListingAssessment(
                listing_pk=listing.id, version=1, content_hash=f"{n:064d}", risk=risk,
                level=level, decision=decision, brand=brand, reason_codes=list(reasons),
                result={"risk": risk, "image_matches": [{"catalog_image_id": 7}]})
            session.add(assessment)
            session.flush()
            item = review.enqueue(session, listing, assessment, now)
            assert item is not None
            session.commit()
            return item.id

    return build


def _key(client: TestClient, role: Role, name: str) -> dict[str, str]:
    factory = client.app.state.trust.session_factory  # type: ignore[attr-defined]
    with factory() as session:
        created = create_key(session, role, name)
        session.commit()
    return {"Authorization": f"Bearer {created.secret}"}


@pytest.fixture
def second_moderator(client: TestClient) -> dict[str, str]:
    return _key(client, Role.moderator, "second-moderator")


@pytest.fixture
def senior_moderator(client: TestClient) -> dict[str, str]:
    return _key(client, Role.senior_moderator, "senior-moderator")
