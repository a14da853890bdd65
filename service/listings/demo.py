"""Sample listings for `make run`'s demo data, scored on first run so the queue has work.

Call `seed_demo_listings(state, runtime)` after `seed_demo_catalog` (the photos re-use the demo
catalog's drawn product shots, regenerated from the same seeds, byte for byte).
"""

from __future__ import annotations

import io
import time
from typing import Any

from PIL import Image, ImageDraw

from service.auth import repository as meta_repository
from service.catalog.demo import product_photo
from service.core.state import CoreState
from service.listings import service
from service.listings.runtime import ListingsRuntime, thresholds_for
from service.listings.schemas import ListingFields

DEMO_LISTINGS_KEY = "demo_listings_seeded"
DEMO_PLATFORM = "demo-shop"
# A photo: a seed (below 100: a catalog shot, product number * 10 + k), or ("collage", four
# seeds in reading order) or ("screenshot", seed): the reposts the keypoint stage finds.
PhotoSpec = int | tuple[str, Any]
# (fields, photos)
DEMO_LISTINGS: list[tuple[dict[str, Any], tuple[PhotoSpec, ...]]] = [
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
    ({"listing_id": "demo-tote-collage", "seller_id": "seller-lucky-deals",
      "caption": "九宫格实拍 帆布托特 A货 微信下单", "price": 220, "currency": "USD"},
     (("collage", (506, 10, 507, 508)),)),
    ({"listing_id": "demo-watch-screenshot", "seller_id": "seller-rlx-factory",
      "caption": "Diver 300 screenshot from the official app, same quality, half price",
      "price": 900, "currency": "USD"}, (("screenshot", 40), 509)),
]


def _png(img: Image.Image) -> bytes:
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def collage(seeds: tuple[int, int, int, int], tile: int = 300, gap: int = 10) -> bytes:
    """A 2x2 grid of product shots (index 1 is the top-right tile)."""
    side = 2 * tile + gap
    grid = Image.new("RGB", (side, side), "white")
    for i, seed in enumerate(seeds):
        shot = Image.open(io.BytesIO(product_photo(seed))).resize((tile, tile))
        grid.paste(shot, ((i % 2) * (tile + gap), (i // 2) * (tile + gap)))
    return _png(grid)


def screenshot(seed: int) -> bytes:
    """A product shot inside a phone app's frame (status bar, title, a buy button)."""
    frame = Image.new("RGB", (540, 1000), (245, 245, 245))
    draw = ImageDraw.Draw(frame)
    draw.rectangle((0, 0, 540, 60), fill=(30, 30, 30))
    draw.rectangle((0, 60, 540, 140), fill=(255, 255, 255))
    draw.text((20, 90), "Shop  >  Bags", fill=(20, 20, 20))
    frame.paste(Image.open(io.BytesIO(product_photo(seed))).resize((500, 500)), (20, 180))
    draw.rectangle((20, 720, 520, 790), fill=(230, 60, 60))
    draw.text((40, 745), "Buy now  $650", fill=(255, 255, 255))
    return _png(frame)


def demo_photo(spec: PhotoSpec) -> bytes:
    if isinstance(spec, int):
        return product_photo(spec)
    kind, arg = spec
    return collage(arg) if kind == "collage" else screenshot(arg)


def seed_demo_listings(state: CoreState, runtime: ListingsRuntime) -> int:
    """Scores the demo listings once per database; returns how many were scored."""
    with state.session_factory() as session:
        if meta_repository.get_meta(session, DEMO_LISTINGS_KEY) is not None:
            return 0
    thresholds = thresholds_for(state.settings, DEMO_PLATFORM)
    for fields, specs in DEMO_LISTINGS:
        service.score(state, runtime, DEMO_PLATFORM, ListingFields.model_validate(fields),
                      [demo_photo(spec) for spec in specs], thresholds, time.perf_counter())
    with state.session_factory() as session:
        meta_repository.set_meta(session, DEMO_LISTINGS_KEY, "1")
        session.commit()
    return len(DEMO_LISTINGS)
