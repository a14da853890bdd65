"""Sample listings for `make run`'s demo data, scored on first run so the queue has work.

Call `seed_demo_listings(state, runtime)` after `seed_demo_catalog` (the photos re-use the demo
catalog's drawn product shots, regenerated from the same seeds, byte for byte).
"""

from __future__ import annotations

import time
from typing import Any

from service.auth import repository as meta_repository
from service.catalog.demo import product_photo
from service.core.state import CoreState
from service.listings import service
from service.listings.runtime import ListingsRuntime, thresholds_for
from service.listings.schemas import ListingFields

DEMO_LISTINGS_KEY = "demo_listings_seeded"
DEMO_PLATFORM = "demo-shop"
# (fields, photo seeds): seeds below 100 are catalog shots (product number * 10 + k).
DEMO_LISTINGS: list[tuple[dict[str, Any], tuple[int, ...]]] = [
    ({"listing_id": "demo-flap-bag-cheap", "seller_id": "seller-lucky-deals",
      "caption": "全新 原单 品质保证 私聊加v", "price": 650, "currency": "USD"}, (0, 501)),
    ({"listing_id": "demo-flap-bag-official", "seller_id": "seller-verdier-official",
      "caption": "Authorized retailer, receipt and serial number included", "price": 4200,
      "currency": "USD"}, (0, 1)),
    ({"listing_id": "demo-diver-watch", "seller_id": "seller-watch-hub",
      "caption": "Diver 300 full set, fast shipping", "price": 1200, "currency": "USD"}, (40,)),
    ({"listing_id": "demo-runner-used", "seller_id": "seller-closet-clearout",
      "caption": "Runner 9 sneakers, worn twice, size 42", "price": 95, "currency": "USD"},
     (20, 502)),
    ({"listing_id": "demo-handmade-bag", "seller_id": "seller-knits",
      "caption": "手工编织包 自制 可定制颜色", "price": 80, "currency": "CNY"}, (503,)),
    ({"listing_id": "demo-mirror-watch", "seller_id": "seller-rlx-factory",
      "caption": "rlx 1:1 mirror quality, DM for price", "price": None, "currency": None},
     (504, 505)),
]


def seed_demo_listings(state: CoreState, runtime: ListingsRuntime) -> int:
    """Scores the demo listings once per database; returns how many were scored."""
    with state.session_factory() as session:
        if meta_repository.get_meta(session, DEMO_LISTINGS_KEY) is not None:
            return 0
    thresholds = thresholds_for(state.settings, DEMO_PLATFORM)
    for fields, seeds in DEMO_LISTINGS:
        service.score(state, runtime, DEMO_PLATFORM, ListingFields.model_validate(fields),
                      [product_photo(seed) for seed in seeds], thresholds, time.perf_counter())
    with state.session_factory() as session:
        meta_repository.set_meta(session, DEMO_LISTINGS_KEY, "1")
        session.commit()
    return len(DEMO_LISTINGS)
