"""The sizes and rates a supplier network is generated with.

`NetConfig()` is the default network (8 suppliers of 20-40 agents, 150 honest sellers, about
2,500 listings over 30 days); `SMALL` is the few-dozen-listing network the tests replay. A JSON
file of field overrides (`--config`) changes any of them.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class NetConfig:
    seed: int = 21
    days: int = 30
    # Suppliers and their agent trees.
    suppliers: int = 8
    agents_min: int = 20
    agents_max: int = 40
    products_per_supplier: tuple[int, int] = (2, 4)
    photos_per_product: tuple[int, int] = (2, 4)
    # Share of suppliers that are discreet: captions without brand or claims, prices that
    # look like a discount or are hidden ("ask for price").
    discreet_share: float = 0.5
    # Share of suppliers that slip one official catalog photo of the brand in with their own.
    supplier_official_share: float = 0.25
    # Listings per active day: supplier accounts, agents, honest sellers.
    supplier_rate: float = 0.5
    agent_rate: tuple[float, float] = (0.12, 0.4)
    honest_rate: tuple[float, float] = (0.12, 0.45)
    # Agents: how often they add one of their own photos, re-caption, and edit a photo.
    agent_own_photo_share: float = 0.2
    agent_recaption_share: float = 0.55
    # Agents who never copy the supplier's caption: they write a plain one of their own (no
    # brand, claim or contact), often a stock phrase honest sellers use too.
    agent_plain_caption_share: float = 0.4
    # Honest sellers.
    honest_sellers: int = 150
    authorized_share: float = 0.12  # authorised by one catalog brand, repost its photos
    reseller_share: float = 0.12  # not authorised, still repost official photos at times
    template_caption_share: float = 0.3  # write "DM for price"-style stock captions
    # The catalog enrolled before anything is posted.
    brands: int = 4
    products_per_brand: int = 2
    official_photos_per_product: int = 2
    # Popular stock photos, each posted by more honest sellers than the link cap the seller
    # network applies to one photo (`link_cap`: the service's default,
    # TRUST_NETWORK_RARE_MAX_SELLERS).
    stock_photos: int = 4
    link_cap: int = 50
    stock_sharers: tuple[int, int] = (55, 80)
    # Photo sizes: the long side of single photos, and of screenshots and grids.
    photo_side: int = 384
    composite_side: int = 640

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


SMALL = NetConfig(days=6, suppliers=2, agents_min=4, agents_max=6, products_per_supplier=(1, 2),
                  agent_rate=(0.35, 0.6), honest_sellers=10, honest_rate=(0.25, 0.4),
                  authorized_share=0.2, reseller_share=0.2, brands=2, products_per_brand=1,
                  stock_photos=1, link_cap=5, stock_sharers=(6, 8), photo_side=256,
                  composite_side=384)


def load_config(path: Path | None = None, small: bool = False, seed: int | None = None,
                ) -> NetConfig:
    """The default (or `SMALL`) configuration with a JSON file's fields and a seed over it."""
    config = SMALL if small else NetConfig()
    if path is not None:
        overrides = json.loads(path.read_text())
        known = {f.name for f in fields(NetConfig)}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise SystemExit(f"unknown supplier-network config fields {unknown} in {path}")
        values: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v
                                  for k, v in overrides.items()}
        config = replace(config, **values)
    if seed is not None:
        config = replace(config, seed=seed)
    if config.stock_sharers[0] <= config.link_cap:
        raise SystemExit("stock photos must be shared by more sellers than link_cap")
    return config
