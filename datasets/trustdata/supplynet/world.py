"""Who is in a simulated supplier network: the catalog, suppliers, agents, honest sellers.

Plain data only (no pixels): every photo is a `PhotoSource` recipe that photos.py renders.
All draws come from `random.Random` seeded by the config's seed and a purpose string, so a
seed rebuilds the same world.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from trustdata.supplynet.captions import CaptionParts, handle, supplier_caption
from trustdata.supplynet.config import NetConfig

# Fictional brands: generated data must not name real trademarks.
BRANDS = ("Corvane", "Maelis", "Tessaro", "Orlenne", "Brivio", "Kestrelle", "Vondrake",
          "Saphine")
CATEGORIES = ("bags", "shoes", "watches", "cosmetics")
LIST_PRICES = {"bags": (3_000, 30_000), "shoes": (800, 3_000), "watches": (5_000, 80_000),
               "cosmetics": (300, 1_500)}
# Where each kind of photo draws its product-shot seeds: disjoint ranges, far from the
# copy-detection splits' (1e6 * (split + 1)) and distractors' (9e7) seeds.
SEED_BASES = {"official": 300_000_000, "fake": 310_000_000, "own": 320_000_000}
AGENT_EDITS = ("none", "recompress", "border_crop10", "corner_crop", "centre_crop60",
               "screenshot", "grid9", "overlay_text", "banner")
SELLER_KINDS = ("supplier", "agent", "honest")


@dataclass(frozen=True)
class PhotoSource:
    """How to render one original photo: a product shot seed, or a stock photo's name."""

    photo_id: str
    kind: str  # official / fake / own / stock
    seed: int = 0
    stock_name: str | None = None


@dataclass
class CatalogProduct:
    key: str
    brand: str
    name: str
    category: str
    list_price: int
    photos: list[str]
    authorized_seller_ids: list[str] = field(default_factory=list)


@dataclass
class SupplierProduct:
    key: str
    brand: str
    category: str
    price: int
    copies: str  # the catalog product it fakes
    photos: list[str]  # the supplier's photos; may include one official catalog photo
    caption: CaptionParts


@dataclass
class Supplier:
    supplier_id: str
    brand: str
    start_day: float
    products: list[SupplierProduct]
    discreet: bool = False


@dataclass
class Seller:
    seller_id: str
    kind: str  # supplier / agent / honest
    join_day: float
    rate: float  # listings per day
    handle: str
    supplier_id: str | None = None
    parent: str | None = None  # who recruited this agent
    depth: int = 0
    edit_habit: str = "none"
    caption_style: str = "copy"  # agents: copy (and maybe re-caption) / plain (own words)
    own_photos: list[str] = field(default_factory=list)
    authorized_brand: str | None = None
    reseller: bool = False
    stock: list[str] = field(default_factory=list)
    template_user: bool = False


@dataclass
class World:
    config: NetConfig
    catalog: list[CatalogProduct]
    suppliers: list[Supplier]
    sellers: list[Seller]
    photos: dict[str, PhotoSource]
    _seeds: dict[str, int] = field(default_factory=dict)

    def new_photo(self, kind: str, prefix: str) -> str:
        n = self._seeds.get(kind, 0)
        self._seeds[kind] = n + 1
        photo_id = f"{prefix}-{n}"
        seed = SEED_BASES[kind] + self.config.seed * 100_000 + n
        self.photos[photo_id] = PhotoSource(photo_id, kind, seed)
        return photo_id


def _rng(config: NetConfig, purpose: str) -> random.Random:
    return random.Random(f"supplynet/{config.seed}/{purpose}")


def _seller_ids(rng: random.Random, count: int) -> list[str]:
    """Opaque ids: nothing in a seller id tells its kind."""
    return [f"u{n:07d}" for n in rng.sample(range(10**7), count)]


def _catalog(world: World, rng: random.Random) -> None:
    cfg = world.config
    for b, brand in enumerate(BRANDS[:cfg.brands]):
        category = CATEGORIES[b % len(CATEGORIES)]
        for p in range(cfg.products_per_brand):
            lo, hi = LIST_PRICES[category]
            photos = [world.new_photo("official", f"official-b{b}p{p}")
                      for _ in range(cfg.official_photos_per_product)]
            world.catalog.append(CatalogProduct(
                f"b{b}p{p}", brand, f"{brand} {category} {p + 1}", category,
                rng.randrange(lo, hi, 100), photos))


def _supplier(world: World, rng: random.Random, index: int, ids: list[str]) -> None:
    cfg = world.config
    sid = f"S{index}"
    target = rng.choice(world.catalog)
    brand_products = [p for p in world.catalog if p.brand == target.brand]
    start = rng.uniform(0, cfg.days * 0.3)
    root = Seller(ids.pop(), "supplier", start, cfg.supplier_rate, handle(rng), sid)
    products = []
    slips_official = rng.random() < cfg.supplier_official_share
    discreet = rng.random() < cfg.discreet_share
    for k in range(rng.randint(*cfg.products_per_supplier)):
        copied = rng.choice(brand_products)
        photos = [world.new_photo("fake", f"fake-{sid}p{k}")
                  for _ in range(rng.randint(*cfg.photos_per_product))]
        if slips_official and k == 0:
            photos.append(rng.choice(copied.photos))
        price = int(copied.list_price * (rng.uniform(0.3, 0.6) if discreet
                                         else rng.uniform(0.06, 0.22)))
        caption = supplier_caption(rng, copied.brand, copied.category, price, root.handle,
                                   discreet)
        products.append(SupplierProduct(f"{sid}p{k}", copied.brand, copied.category, price,
                                        copied.key, photos, caption))
    world.suppliers.append(Supplier(sid, target.brand, start, products, discreet))
    tree = [root]
    for _ in range(rng.randint(cfg.agents_min, cfg.agents_max)):
        parent = rng.choice(tree)
        join = min(parent.join_day + rng.expovariate(1 / 2.0), cfg.days * 0.85)
        agent = Seller(ids.pop(), "agent", join, rng.uniform(*cfg.agent_rate), handle(rng), sid,
                       parent.seller_id, parent.depth + 1,
                       rng.choice(AGENT_EDITS) if rng.random() < 0.7 else "mixed",
                       "plain" if rng.random() < cfg.agent_plain_caption_share else "copy")
        tree.append(agent)
    for seller in tree:
        seller.own_photos = [world.new_photo("own", f"own-{seller.seller_id}")
                             for _ in range(rng.randint(1, 3))]
    world.sellers.extend(tree)


def _honest(world: World, rng: random.Random, ids: list[str]) -> None:
    cfg = world.config
    brands = sorted({p.brand for p in world.catalog})
    honest = []
    for _ in range(cfg.honest_sellers):
        seller = Seller(ids.pop(), "honest", rng.uniform(0, cfg.days * 0.5),
                        rng.uniform(*cfg.honest_rate), handle(rng),
                        template_user=rng.random() < cfg.template_caption_share)
        draw = rng.random()
        if draw < cfg.authorized_share:
            seller.authorized_brand = rng.choice(brands)
        elif draw < cfg.authorized_share + cfg.reseller_share:
            seller.reseller = True
        honest.append(seller)
    for product in world.catalog:
        product.authorized_seller_ids = sorted(s.seller_id for s in honest
                                               if s.authorized_brand == product.brand)
    for k in range(cfg.stock_photos):
        photo_id = f"stock-{k}"
        world.photos[photo_id] = PhotoSource(photo_id, "stock", stock_name=str(k))
        for seller in rng.sample(honest, min(len(honest), rng.randint(*cfg.stock_sharers))):
            seller.stock.append(photo_id)
    world.sellers.extend(honest)


def make_world(config: NetConfig) -> World:
    world = World(config, [], [], [], {})
    _catalog(world, _rng(config, "catalog"))
    rng = _rng(config, "sellers")
    total = config.suppliers * (config.agents_max + 1) + config.honest_sellers
    ids = _seller_ids(rng, total)
    for s in range(config.suppliers):
        _supplier(world, rng, s, ids)
    _honest(world, rng, ids)
    return world
