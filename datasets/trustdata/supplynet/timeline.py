"""The listings a simulated network posts over time, each with its ground truth.

A listing is a dict (written as one JSON line): when (hours from the start), who (seller id,
kind, supplier), what (caption, price, photos) and how each photo was made: which original
(`source`), what kind of original it is (fake / official / own / stock) and which repost
edit was applied (`edit`, one of copydetect's transforms, or "none"). A grid also records
the `fillers`, the other originals in its cells.
"""

from __future__ import annotations

import random
from typing import Any

from trustdata.supplynet.captions import honest_caption, plain_caption, recaption
from trustdata.supplynet.world import (
    AGENT_EDITS,
    CATEGORIES,
    LIST_PRICES,
    Seller,
    Supplier,
    World,
)

GRID_CELLS = 9
HONEST_EDITS = ("none", "none", "recompress", "border_crop10", "screenshot")

Listing = dict[str, Any]


def _times(rng: random.Random, seller: Seller, days: int) -> list[float]:
    """Posting times in hours: a Poisson process from the day the seller joined."""
    out: list[float] = []
    t = seller.join_day * 24
    while True:
        t += rng.expovariate(seller.rate / 24)
        if t >= days * 24:
            return out
        out.append(round(t, 3))


def _photo(source: str, kind: str, edit: str) -> dict[str, Any]:
    return {"source": source, "kind": kind, "edit": edit}


def _agent_listing(world: World, rng: random.Random, seller: Seller, supplier: Supplier,
                   favourite: int) -> Listing:
    cfg = world.config
    product = supplier.products[favourite if rng.random() < 0.7
                                else rng.randrange(len(supplier.products))]
    chosen = rng.sample(product.photos, min(len(product.photos), rng.randint(1, 4)))
    photos = []
    for source in chosen:
        edit = "none"
        if seller.kind == "agent":
            habit = seller.edit_habit if seller.edit_habit != "mixed" else rng.choice(AGENT_EDITS)
            edit = habit if rng.random() < 0.75 else rng.choice(AGENT_EDITS)
        kind = "official" if source.startswith("official-") else "fake"
        photos.append(_photo(source, kind, edit))
    if seller.kind == "agent" and rng.random() < cfg.agent_own_photo_share:
        own = _photo(rng.choice(seller.own_photos), "own", "none")
        photos = [*photos[:3], own]
    for entry in photos:
        if entry["edit"] == "grid9":  # the other cells: more of the supplier's photos, own ones
            pool = [p for q in supplier.products for p in q.photos if p != entry["source"]]
            pool += seller.own_photos
            while len(pool) < GRID_CELLS - 1:
                pool.append(world.new_photo("own", f"own-{seller.seller_id}"))
            entry["fillers"] = rng.sample(pool, GRID_CELLS - 1)
    plain = seller.caption_style == "plain"
    if plain:
        caption, caption_edit = plain_caption(rng, product.category), "own_words"
    elif seller.kind == "supplier" or rng.random() >= cfg.agent_recaption_share:
        caption, caption_edit = product.caption.text(), "none"
    else:
        caption, caption_edit = recaption(rng, product.caption, seller.handle)
    discreet = supplier.discreet or plain
    hidden = discreet and rng.random() < 0.5
    return {"product": product.key, "brand": product.brand, "caption": caption,
            "caption_edit": caption_edit,
            "price": None if hidden else round(product.price * rng.uniform(0.9, 1.6)),
            "claimed_brand": product.brand if not discreet and rng.random() < 0.3 else None,
            "photos": photos}


def _honest_listing(world: World, rng: random.Random, seller: Seller, mode: str,
                    stock: str | None = None) -> Listing:
    photos: list[dict[str, Any]] = []
    brand: str | None = None
    if mode == "official":
        pool = [p for p in world.catalog
                if seller.authorized_brand in (None, p.brand)]
        product = rng.choice(pool)
        brand, category = product.brand, product.category
        price = round(product.list_price * rng.uniform(0.85, 1.0))
        photos = [_photo(p, "official", rng.choice(HONEST_EDITS))
                  for p in rng.sample(product.photos, rng.randint(1, len(product.photos)))]
    else:
        category = rng.choice(CATEGORIES)
        price = rng.randrange(*LIST_PRICES[category]) // rng.choice((3, 5, 10))
        if mode == "stock":
            photos.append(_photo(stock or rng.choice(seller.stock), "stock",
                                 rng.choice(HONEST_EDITS)))
    wanted = rng.randint(1, 3) if mode == "own" else rng.randint(0, 1)
    for _ in range(wanted):
        used = {p["source"] for p in photos}
        reusable = [p for p in seller.own_photos if p not in used]
        if reusable and rng.random() < 0.2:  # the shop's own banner, say
            source = rng.choice(reusable)
        else:
            source = world.new_photo("own", f"own-{seller.seller_id}")
            seller.own_photos.append(source)
        photos.append(_photo(source, "own", "none"))
    return {"product": None, "brand": brand,
            "caption": honest_caption(rng, mode, brand, category, price, seller.template_user),
            "caption_edit": "none", "price": price,
            "claimed_brand": brand if mode == "official" else None, "photos": photos}


def _honest_mode(rng: random.Random, seller: Seller) -> str:
    if seller.authorized_brand and rng.random() < 0.6:
        return "official"
    if seller.reseller and rng.random() < 0.35:
        return "official"
    if seller.stock and rng.random() < 0.25:
        return "stock"
    return "own"


def _record(seller: Seller, t: float, n: int, body: Listing) -> Listing:
    listing_id = f"{seller.seller_id}-{n:03d}"
    for i, entry in enumerate(body["photos"]):
        entry["file"] = f"listings/{listing_id}-{i}.jpg"
    return {"listing_id": listing_id, "t_hours": t, "seller_id": seller.seller_id,
            "seller_kind": seller.kind, "supplier_id": seller.supplier_id, "currency": "CNY",
            **body}


def make_timeline(world: World) -> list[Listing]:
    cfg = world.config
    rng = random.Random(f"supplynet/{cfg.seed}/timeline")
    suppliers = {s.supplier_id: s for s in world.suppliers}
    listings: list[Listing] = []
    for seller in world.sellers:
        times = _times(rng, seller, cfg.days)
        bodies: list[tuple[float, Listing]] = []
        if seller.kind == "honest":
            bodies = [(t, _honest_listing(world, rng, seller, _honest_mode(rng, seller)))
                      for t in times]
            # Every assigned stock photo and every authorisation is posted at least once.
            posted = {p["source"] for _, b in bodies for p in b["photos"]}
            for stock in seller.stock:
                if stock not in posted:
                    t = round(rng.uniform(seller.join_day * 24, cfg.days * 24), 3)
                    bodies.append((t, _honest_listing(world, rng, seller, "stock", stock)))
            if seller.authorized_brand and not any(b["brand"] for _, b in bodies):
                t = round(rng.uniform(seller.join_day * 24, cfg.days * 24), 3)
                bodies.append((t, _honest_listing(world, rng, seller, "official")))
        else:
            supplier = suppliers[str(seller.supplier_id)]
            favourite = rng.randrange(len(supplier.products))
            bodies = [(t, _agent_listing(world, rng, seller, supplier, favourite))
                      for t in times]
        bodies.sort(key=lambda tb: tb[0])
        listings.extend(_record(seller, t, n, body) for n, (t, body) in enumerate(bodies))
    listings.sort(key=lambda listing: (listing["t_hours"], listing["listing_id"]))
    return listings
