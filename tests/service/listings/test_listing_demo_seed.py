"""The demo listings score against the demo catalog and fill the review queue once."""

from __future__ import annotations

from service.catalog.demo import seed_demo_catalog
from service.listings.demo import DEMO_LISTINGS, seed_demo_listings


def test_demo_listings_fill_the_queue_once(client, api_keys):
    state = client.app.state.trust
    with state.session_factory() as session:
        seed_demo_catalog(session, state.image_limits)
    assert seed_demo_listings(state, state.listings.get()) == len(DEMO_LISTINGS)
    assert seed_demo_listings(state, state.listings.get()) == 0
    queue = client.get("/v1/review/queue", params={"platform_id": "demo-shop"},
                       headers=api_keys.moderator).json()["items"]
    flagged = {i["listing_id"] for i in queue}
    assert "demo-flap-bag-cheap" in flagged
    assert "demo-flap-bag-official" not in flagged
    # the reposts only the keypoint stage finds: a collage tile and an app screenshot
    assert {"demo-tote-collage", "demo-watch-screenshot"} <= flagged
    for item in queue:
        if item["listing_id"] in ("demo-tote-collage", "demo-watch-screenshot"):
            detail = client.get(f"/v1/review/items/{item['id']}",
                                headers=api_keys.moderator).json()
            methods = [m["method"] for m in detail["assessment"]["image_matches"]]
            assert methods and methods[0].startswith("orb:box:"), methods
