"""Draws labelled listings (as plain signal records) from a synthetic marketplace.

A record holds only what the scorer would be given (matches, caption probability and lexicon
spans, seller reputation summary, price) plus the label and bookkeeping (split, archetype).
Every signal is noisy: matchers miss edited photos and occasionally match the wrong product,
the caption classifier and the lexicon miss evasive wording and fire on innocent text,
buyers of fakes rarely complain, and some labels are wrong.
"""

from __future__ import annotations

import math
import random
from typing import Any

from trustdata.listings.networks import network_signals
from trustdata.listings.world import ARCHETYPES, BRANDED_ARCHETYPES, Product, Seller, World

LABEL_NOISE = 0.005
# Probability that a listing re-uses an official photo, per listing kind.
OFFICIAL_PHOTO = {"authorized_reseller": 0.75, "secondhand": 0.2, "grey_importer": 0.55,
                  "counterfeit_overt": 0.65, "counterfeit_evasive": 0.4, "counterfeit_mixed": 0.55}
# Evasive sellers crop, grid and screenshot official photos, which costs the matcher recall.
EDIT_PENALTY = {"counterfeit_evasive": 0.8, "counterfeit_mixed": 0.9}
PRICE_HIDDEN = {"authorized_reseller": 0.02, "secondhand": 0.05, "grey_importer": 0.1,
                "handmade": 0.05, "casual": 0.08, "counterfeit_overt": 0.15,
                "counterfeit_evasive": 0.4, "counterfeit_mixed": 0.2}
CLAIMS_BRAND = {"authorized_reseller": 0.9, "secondhand": 0.85, "grey_importer": 0.8,
                "counterfeit_overt": 0.45, "counterfeit_evasive": 0.15, "counterfeit_mixed": 0.5}
# Probability that a caption (means to) use each lexicon category, per listing kind.
CAPTION_INTENTS: dict[str, dict[str, float]] = {
    "authorized_reseller": {"legit_cue": 0.4, "off_platform_contact": 0.05,
                            "brand_nickname": 0.03},
    "secondhand": {"legit_cue": 0.45, "brand_nickname": 0.08, "off_platform_contact": 0.1,
                   "price_hiding": 0.03},
    "grey_importer": {"legit_cue": 0.3, "off_platform_contact": 0.3, "brand_nickname": 0.05,
                      "factory_claim": 0.03},
    "handmade": {"legit_cue": 0.35, "replica_term": 0.05, "off_platform_contact": 0.1},
    "casual": {"off_platform_contact": 0.1, "quality_grade": 0.02},
    "counterfeit_overt": {"quality_grade": 0.55, "factory_claim": 0.35, "replica_term": 0.3,
                          "brand_nickname": 0.3, "off_platform_contact": 0.35,
                          "price_hiding": 0.15, "legit_cue": 0.1},
    "counterfeit_evasive": {"quality_grade": 0.1, "factory_claim": 0.15, "replica_term": 0.05,
                            "brand_nickname": 0.45, "off_platform_contact": 0.5,
                            "price_hiding": 0.3, "legit_cue": 0.15},
}
CAPTION_INTENTS["counterfeit_mixed"] = {
    k: (CAPTION_INTENTS["counterfeit_overt"][k] + CAPTION_INTENTS["counterfeit_evasive"][k]) / 2
    for k in CAPTION_INTENTS["counterfeit_overt"]
}
# How strongly each category pushes the simulated caption classifier.
CATEGORY_WEIGHT = {"quality_grade": 2.5, "factory_claim": 2.0, "replica_term": 2.5,
                   "brand_nickname": 1.2, "off_platform_contact": 0.6, "price_hiding": 0.6,
                   "legit_cue": -1.0}
SLANG = frozenset({"quality_grade", "factory_claim", "replica_term", "brand_nickname"})
TERMS = {"quality_grade": ("高仿", "A货", "1:1", "精仿", "纯原"),
         "factory_claim": ("原单", "尾单", "工厂货", "同厂"),
         "replica_term": ("replica", "reps", "mirror quality", "inspired"),
         "brand_nickname": ("驴牌", "香奶奶", "小香", "老花", "椰子"),
         "off_platform_contact": ("加v", "私聊", "DM me", "vx"),
         "price_hiding": ("私聊价格", "DM for price"),
         "legit_cue": ("专柜小票", "假一赔十", "receipt", "手工", "serial number")}
LEXICON_RECALL = 0.9
LEXICON_FALSE_HIT = 0.01
MATCH_FALSE_RATE = 0.005
FOREIGN_CURRENCY_RATE = 0.02


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def seller_record(rng: random.Random, seller: Seller) -> dict[str, Any] | None:
    if not seller.has_record:
        return None
    n = seller.feedback_count
    positive = sum(rng.random() < seller.quality for _ in range(n))
    # Beta(2, 1) prior as in the reputation model; reports and confirmed counterfeits add
    # negative mass worth many one-star ratings.
    negative_mass = (n - positive) + 8 * seller.counterfeit_reports \
        + 25 * seller.confirmed_counterfeits
    score = (positive + 2) / (positive + negative_mass + 3)
    if seller.confirmed_counterfeits > 0 or (n >= 5 and score < 0.5):
        tier = "warning"
    elif n < 3:
        tier = "new"
    elif score >= 0.9 and n >= 25:
        tier = "gold"
    elif score >= 0.8 and n >= 8:
        tier = "silver"
    else:
        tier = "bronze"
    return {"score": round(score, 4), "tier": tier,
            "confirmed_counterfeits": seller.confirmed_counterfeits,
            "counterfeit_reports": seller.counterfeit_reports, "feedback_count": n}


def _listing_kind(rng: random.Random, seller: Seller) -> tuple[str, int]:
    """The behaviour this listing follows and its true label."""
    if seller.archetype == "counterfeit_mixed" and rng.random() < 0.4:
        return "grey_importer", 0  # the genuine part of a mixed seller's stock
    return seller.archetype, int(ARCHETYPES[seller.archetype][1])


def _price_ratio(rng: random.Random, kind: str, seller: Seller) -> float:
    if kind == "authorized_reseller":
        ratio = rng.uniform(0.92, 1.05) if rng.random() < 0.85 else rng.uniform(0.5, 0.85)
    elif kind == "secondhand":
        # Used goods rarely go below a third of list: the resale market has a floor.
        ratio = min(1.1, max(0.15, rng.lognormvariate(math.log(0.6), 0.28)))
    elif kind == "grey_importer":
        ratio = rng.uniform(0.7, 1.0)
    elif kind == "counterfeit_overt":
        ratio = rng.uniform(0.06, 0.35)
    elif kind == "counterfeit_evasive":
        ratio = rng.uniform(0.15, 0.6)
    else:
        ratio = rng.uniform(0.15, 0.5)
    return max(0.03, ratio + seller.habits["discount"])


def _matches(rng: random.Random, world: World, kind: str, seller: Seller,
             product: Product | None, ratio: float) -> list[dict[str, Any]]:
    matches: list[dict[str, Any]] = []
    if product is not None and product.enrolled:
        uses = min(0.95, OFFICIAL_PHOTO.get(kind, 0.0) * seller.habits["official_photo"])
        if kind == "secondhand":
            # A worn item sold at a deep discount is shown as it is: buyers ask for proof
            # of condition, so the seller's own photos replace the catalog shots.
            uses *= min(1.0, ratio / 0.5)
        recall = world.brands[product.brand].match_recall * EDIT_PENALTY.get(kind, 1.0)
        if rng.random() < uses and rng.random() < recall:
            edited = kind in EDIT_PENALTY
            for k in range(1 + (rng.random() < 0.3)):
                conf = rng.betavariate(5, 2) if edited else rng.betavariate(9, 1.5)
                matches.append({"product_id": product.product_id, "brand": product.brand,
                                "confidence": round(conf, 4), "list_price": product.list_price,
                                "list_currency": "CNY",
                                "catalog_image_id": f"{product.product_id}-img{k}"})
    if rng.random() < MATCH_FALSE_RATE:
        brand = rng.choice([b for b in world.brands.values() if b.split == seller.split])
        wrong = rng.choice(world.products[brand.name])
        matches.append({"product_id": wrong.product_id, "brand": wrong.brand,
                        "confidence": round(rng.betavariate(2, 4), 4),
                        "list_price": wrong.list_price, "list_currency": "CNY",
                        "catalog_image_id": f"{wrong.product_id}-img0"})
    return sorted(matches, key=lambda m: -m["confidence"])


# Caption-bank kinds that say outright what overt counterfeiters say; evasive ones say less.
OVERT_CAPTION_KINDS = frozenset({"explicit_slang", "factory_claim"})
# Share of counterfeit listings shown with a catalog photo whose caption says nothing a
# reader could object to ("new, in stock, DM"): the official photo and the price carry the
# sale there, so the risk model must learn to weigh them on their own, not only beside a
# damning caption. (Without a catalog photo such a listing carries no evidence at all, and
# teaching the model that plain captions hide counterfeits would send honest ones to review.)
PLAIN_COUNTERFEIT_CAPTION_SHARE = 0.25


class CaptionBank:
    """Captions written by people, with what the served caption pipeline scored for each
    while it had not seen the caption's writer (training's out-of-fold scores)."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        def pick(label: int, overt: bool | None) -> list[dict[str, Any]]:
            return [r for r in rows if r["label"] == label and (
                overt is None or (r.get("kind") in OVERT_CAPTION_KINDS) == overt)]

        self.honest = pick(0, None)
        self.overt, self.evasive = pick(1, True), pick(1, False)
        if not (self.honest and self.overt and self.evasive):
            raise ValueError("a caption bank needs honest, overt and evasive captions")

    def draw(self, rng: random.Random, kind: str, label: int,
             official_photo: bool = False) -> dict[str, Any]:
        if not label or (official_photo and rng.random() < PLAIN_COUNTERFEIT_CAPTION_SHARE):
            pool = self.honest
        elif kind == "counterfeit_overt":
            pool = self.overt if rng.random() < 0.7 else self.evasive
        elif kind == "counterfeit_evasive":
            pool = self.evasive if rng.random() < 0.8 else self.overt
        else:
            pool = self.overt if rng.random() < 0.5 else self.evasive
        row = rng.choice(pool)
        return {"probability": row["probability"], "spans": list(row["spans"])}


def _caption(rng: random.Random, kind: str, label: int, seller: Seller,
             price_hidden: bool, bank: CaptionBank | None = None,
             official_photo: bool = False) -> dict[str, Any] | None:
    if rng.random() < 0.03:
        return None
    if bank is not None:
        return bank.draw(rng, kind, label, official_photo)
    intents = []
    for category, p in CAPTION_INTENTS[kind].items():
        if category == "price_hiding" and price_hidden:
            p = max(p, 0.6)
        if category in SLANG and label:
            p = min(0.95, p * seller.habits["slang"])
        if rng.random() < p:
            intents.append(category)
    # Counterfeiters' wording carries signal the lexicon has no entry for.
    style = rng.gauss(1.0, 0.8) if label else 0.0
    strength = sum(CATEGORY_WEIGHT[c] for c in intents) + style
    probability = _sigmoid(1.4 * strength - 3.0 + rng.gauss(0.0, 1.0))
    detected = [c for c in intents if rng.random() < LEXICON_RECALL]
    detected += [c for c in TERMS if c not in intents and rng.random() < LEXICON_FALSE_HIT]
    spans = [{"category": c, "term": rng.choice(TERMS[c])} for c in detected]
    return {"probability": round(probability, 4), "spans": spans}


def make_listing(rng: random.Random, world: World, seller: Seller, index: int,
                 seller_summary: dict[str, Any] | None,
                 bank: CaptionBank | None = None,
                 network_rng: random.Random | None = None) -> dict[str, Any]:
    kind, label = _listing_kind(rng, seller)
    product = None
    if kind in BRANDED_ARCHETYPES and seller.brands:
        product = rng.choice(world.products[rng.choice(seller.brands)])
    photos = rng.choice((1, 1, 2, 3, 3, 4, 4, 6, 9, 9))
    ratio = _price_ratio(rng, kind, seller)
    matches = _matches(rng, world, kind, seller, product, ratio)
    if rng.random() < 0.02:
        photos, matches = 0, []  # matching was down for this listing
    price_hidden = rng.random() < PRICE_HIDDEN[kind]
    price: float | None = None
    currency = "CNY"
    if not price_hidden:
        # Unbranded goods have no list price: log-uniform between 10 and 800.
        base = product.list_price * ratio if product is not None else 10 * 80 ** rng.random()
        price = round(base, 0)
        if rng.random() < FOREIGN_CURRENCY_RATE:
            price, currency = round(price / 7.1, 2), "USD"
    claimed = None
    if product is not None and rng.random() < CLAIMS_BRAND.get(kind, 0.0):
        claimed = product.brand
    caption = _caption(rng, kind, label, seller, price_hidden, bank,
                       any(m["product_id"] == getattr(product, "product_id", None)
                           for m in matches))
    network: dict[str, Any] = {}
    if network_rng is not None:
        unenrolled_official = 0.0
        if product is not None and not product.enrolled:
            unenrolled_official = min(0.95, OFFICIAL_PHOTO.get(kind, 0.0)
                                      * seller.habits["official_photo"])
        network = network_signals(network_rng, seller,
                                  world.networks.get(seller.network or ""), kind, label,
                                  photos, unenrolled_official)
    flipped = rng.random() < LABEL_NOISE
    if flipped:
        label = 1 - label
    return {
        "listing_id": f"{seller.seller_id}-{index:03d}",
        "seller_id": seller.seller_id,
        "split": seller.split,
        "archetype": seller.archetype,
        "kind": kind,
        "label": label,
        "label_flipped": flipped,  # for analysis only: what a perfect model could reach
        "brand": product.brand if product is not None else None,
        "price": price,
        "currency": currency,
        "claimed_brand": claimed,
        "seller_authorized_brands": seller.authorized_brands,
        "photos_checked": photos,
        "matches": matches,
        "caption": caption,
        "seller": seller_summary,
        **network,
    }


def make_listings(world: World, seed: int, bank: CaptionBank | None = None,
                  with_network_signals: bool = True) -> list[dict[str, Any]]:
    """Every seller's listings. Network signals (bank matches, links to confirmed sellers)
    come from a stream of their own: without them the records are exactly those drawn
    before the generator had them (the set risk-v1 and risk-v2 were trained on)."""
    rng = random.Random(seed + 1)
    network_rng = random.Random(f"network-signals-{seed}") if with_network_signals else None
    records = []
    for seller in world.sellers:
        summary = seller_record(rng, seller)
        for i in range(seller.listing_count):
            records.append(make_listing(rng, world, seller, i, summary, bank, network_rng))
    return records
