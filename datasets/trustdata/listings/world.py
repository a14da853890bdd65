"""The synthetic marketplace a labelled listing set is drawn from: brands, products, sellers.

Brands and sellers carry latent traits (how counterfeited a brand is, how easy its photos are
to match, a seller's archetype and habits) that the scorer never sees directly; it only sees
the noisy signals they produce. Brands and sellers are assigned to a split up front, so the
test split holds sellers *and* brands never seen in training.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from trustdata.listings.networks import Network, assign_networks

# (weight among sellers, sells counterfeits?) per seller archetype.
ARCHETYPES: dict[str, tuple[float, bool]] = {
    "authorized_reseller": (0.11, False),
    "secondhand": (0.20, False),
    "grey_importer": (0.13, False),
    "handmade": (0.14, False),
    "casual": (0.12, False),
    "counterfeit_overt": (0.12, True),
    "counterfeit_evasive": (0.11, True),
    "counterfeit_mixed": (0.07, True),
}
BRANDED_ARCHETYPES = frozenset(a for a in ARCHETYPES if a not in ("handmade", "casual"))
# List-price ranges (CNY) by brand tier.
TIER_PRICES = {"luxury": (2_000.0, 60_000.0), "premium": (300.0, 3_000.0), "mass": (60.0, 600.0)}
_SYLLABLES = ("va", "lo", "ren", "mi", "sa", "tor", "el", "que", "dan", "ori", "be", "zu",
              "cal", "fe", "nor", "ti", "ma", "sel", "ve", "ra", "kin", "do", "lux", "pe")


@dataclass(frozen=True)
class Brand:
    name: str
    tier: str
    split: str
    counterfeit_pressure: float  # how much counterfeiters favour it
    match_recall: float  # how reliably re-used official photos are matched
    catalog_coverage: float  # share of its products enrolled in the catalog


@dataclass(frozen=True)
class Product:
    product_id: str
    brand: str
    list_price: float
    enrolled: bool


@dataclass
class Seller:
    seller_id: str
    archetype: str
    split: str
    brands: list[str]
    authorized_brands: list[str]
    listing_count: int
    quality: float  # share of buyers who would leave good feedback
    feedback_count: int
    has_record: bool
    confirmed_counterfeits: int
    counterfeit_reports: int
    habits: dict[str, float] = field(default_factory=dict)
    network: str | None = None  # the supplier network the seller is an agent of
    stock_photo_link: bool = False  # a stock photo links them to a confirmed seller


@dataclass
class World:
    brands: dict[str, Brand]
    products: dict[str, list[Product]]  # brand name -> products
    sellers: list[Seller]
    networks: dict[str, Network] = field(default_factory=dict)


def _brand_name(rng: random.Random, taken: set[str]) -> str:
    while True:
        name = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
        if name not in taken:
            taken.add(name)
            return name


def _make_brands(rng: random.Random, count: int, test_share: float) -> dict[str, Brand]:
    taken: set[str] = set()
    brands: dict[str, Brand] = {}
    for i in range(count):
        tier = rng.choices(("luxury", "premium", "mass"), weights=(0.35, 0.4, 0.25))[0]
        pressure = {"luxury": 3.0, "premium": 1.5, "mass": 0.6}[tier] * rng.uniform(0.4, 1.6)
        brand = Brand(
            name=_brand_name(rng, taken),
            tier=tier,
            split="test" if i < round(count * test_share) else "train",
            counterfeit_pressure=pressure,
            match_recall=rng.uniform(0.6, 0.97),
            catalog_coverage=rng.uniform(0.5, 1.0),
        )
        brands[brand.name] = brand
    return brands


def _make_products(rng: random.Random, brand: Brand) -> list[Product]:
    low, high = TIER_PRICES[brand.tier]
    products = []
    for j in range(rng.randint(8, 40)):
        # Log-uniform list prices: a brand sells key rings and trunks.
        price = round(low * (high / low) ** rng.random(), -1)
        products.append(Product(
            product_id=f"{brand.name.lower()}-{j:03d}",
            brand=brand.name,
            list_price=max(price, 10.0),
            enrolled=rng.random() < brand.catalog_coverage,
        ))
    return products


def _seller_reputation(rng: random.Random, seller: Seller, counterfeit: bool) -> None:
    # Buyers of fakes rarely complain, so counterfeiters' feedback is only a little worse.
    seller.quality = rng.betavariate(10, 3) if counterfeit else rng.betavariate(16, 2)
    # Counterfeit accounts are younger: banned sellers come back under new accounts.
    seller.feedback_count = min(int(rng.expovariate(1 / (12 if counterfeit else 25))), 600)
    seller.has_record = rng.random() > 0.15
    caught = 0.05 + 0.004 * seller.feedback_count
    seller.confirmed_counterfeits = (
        sum(rng.random() < caught for _ in range(3)) if counterfeit
        else int(rng.random() < 0.003)  # moderator mistakes and one-off bad batches
    )
    seller.counterfeit_reports = (
        int(rng.expovariate(1 / 1.0)) if counterfeit else int(rng.expovariate(1 / 0.4))
    )


def make_world(seed: int, n_brands: int = 60, n_sellers: int = 3_000,
               test_share: float = 0.3) -> World:
    rng = random.Random(seed)
    brands = _make_brands(rng, n_brands, test_share)
    products = {name: _make_products(rng, b) for name, b in brands.items()}
    by_split = {s: [b for b in brands.values() if b.split == s] for s in ("train", "test")}
    names, weights = zip(*((a, w) for a, (w, _) in ARCHETYPES.items()), strict=True)
    sellers: list[Seller] = []
    for i in range(n_sellers):
        archetype = rng.choices(names, weights=weights)[0]
        counterfeit = ARCHETYPES[archetype][1]
        split = "test" if rng.random() < test_share else "train"
        pool = by_split[split]
        brand_weights = [
            b.counterfeit_pressure if counterfeit else 1.0 + (b.tier == "mass") for b in pool
        ]
        n_brands_sold = rng.randint(1, 4) if archetype in BRANDED_ARCHETYPES else 0
        sold = list({b.name: None for b in rng.choices(pool, brand_weights, k=n_brands_sold)})
        seller = Seller(
            seller_id=f"s{i:05d}",
            archetype=archetype,
            split=split,
            brands=sold,
            authorized_brands=sold if archetype == "authorized_reseller" else [],
            listing_count=1 + min(int(rng.expovariate(1 / 11)), 60),
            quality=0.0,
            feedback_count=0,
            has_record=True,
            confirmed_counterfeits=0,
            counterfeit_reports=0,
            habits={
                # Per-seller habits around the archetype's typical behaviour.
                "official_photo": rng.uniform(0.6, 1.4),
                "slang": rng.uniform(0.4, 1.6),
                "discount": rng.uniform(-0.1, 0.1),
            },
        )
        _seller_reputation(rng, seller, counterfeit)
        sellers.append(seller)
    # Drawn from their own stream: the rest of the world stays as it was drawn before.
    networks = assign_networks(sellers, seed)
    return World(brands=brands, products=products, sellers=sellers, networks=networks)
