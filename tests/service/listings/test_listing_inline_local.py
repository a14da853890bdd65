"""The keypoint stage inside the scoring request when it is cheap enough: one final answer
for a listing whose few unmatched photos fit the inline budget, a deep check otherwise."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from service.app.factory import create_app
from service.listings.inline import LocalStageCost
from service.listings.tables import ListingDeepCheck
from tests.service.listings.test_listing_deep_check import (
    FLAGGED,
    UNAUTHORIZED,
    codes,
    local_only_repost,
    unrelated,
)


@pytest.fixture
def client(make_settings, database_url):
    settings = make_settings(database_url=database_url, listing_inline_local_budget_ms=100.0)
    with TestClient(create_app(settings, load_in_background=False)) as test_client:
        yield test_client


def _deep_checks(client) -> int:
    with client.app.state.trust.session_factory() as session:
        return session.scalar(select(func.count()).select_from(ListingDeepCheck))


def test_one_unmatched_photo_is_checked_in_the_request(client, official, score):
    repost = local_only_repost(client.app.state.trust, official.photo)
    data = score([repost], price=2_400, seller_id="cheap-shop").json()
    check = data["image_check"]
    assert (check["status"], check["stages"], check["pending_photos"]) == (
        "complete", ["hash", "local"], [])
    assert check["deep_check_id"] is None and _deep_checks(client) == 0
    assert data["decision"] in FLAGGED and UNAUTHORIZED in codes(data)
    assert data["image_matches"][0]["catalog_image_id"] == official.image_id
    cost = client.app.state.trust.listings.get().local_cost
    assert cost.ms_per_photo > 0  # the request's own timing now steers the next one


def test_photos_over_the_budget_wait_for_a_deep_check(client, official, score):
    photos = [unrelated(seed) for seed in (911, 912, 913)]  # 3 x the 55 ms prior > 100 ms
    data = score(photos, price=300).json()
    check = data["image_check"]
    assert (check["status"], check["stages"]) == ("pending", ["hash"])
    assert check["pending_photos"] == [0, 1, 2] and _deep_checks(client) == 1


def test_cost_follows_what_the_stage_takes() -> None:
    cost = LocalStageCost(prior_ms=50.0)
    assert cost.fits(2, 100.0) and not cost.fits(3, 100.0)
    for _ in range(30):
        cost.observe(elapsed_ms=600.0, photos=2)  # 300 ms a photo on a large catalog
    assert cost.ms_per_photo == pytest.approx(300.0, rel=0.01)
    assert not cost.fits(1, 100.0)
    cost.observe(elapsed_ms=10.0, photos=0)  # nothing ran: no change
    assert cost.ms_per_photo == pytest.approx(300.0, rel=0.01)


def test_a_zero_budget_never_runs_it_inline() -> None:
    assert not LocalStageCost(prior_ms=0.001).fits(1, 0.0)
    assert not LocalStageCost().fits(0, 1000.0)
