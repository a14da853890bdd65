"""Fill caption templates into varied posts (structure, separators, emoji, prices, hashtags)."""

from __future__ import annotations

import json
import random
import re
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"
SPLITS = ("train", "dev", "test")
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_SEPARATORS = ["，", ",", " ", "\n", "。", "！", " | ", " / ", "~", "；", " · ", "\n\n", "  ", "…"]


@dataclass(frozen=True)
class Brand:
    split: str
    en: tuple[str, ...]
    zh: tuple[str, ...]
    nick: tuple[str, ...]
    amb: tuple[str, ...]
    products_zh: tuple[str, ...]
    products_en: tuple[str, ...]
    price: tuple[int, int]


@lru_cache(maxsize=1)
def load_brands() -> tuple[Brand, ...]:
    raw = json.loads((DATA_DIR / "brands.json").read_text(encoding="utf-8"))["brands"]
    return tuple(Brand(b["split"], tuple(b["en"]), tuple(b["zh"]), tuple(b["nick"]),
                       tuple(b["amb"]), tuple(b["products_zh"]), tuple(b["products_en"]),
                       (int(b["price"][0]), int(b["price"][1]))) for b in raw)


def entry_split(entry: str) -> str:
    """Stable split of a filler entry: 70% train, 15% dev, 15% test."""
    bucket = zlib.crc32(entry.encode("utf-8")) % 20
    return "train" if bucket < 14 else ("dev" if bucket < 17 else "test")


@lru_cache(maxsize=1)
def load_pools() -> dict[str, dict[str, tuple[str, ...]]]:
    """Pools per split: shared vocabulary everywhere, partitioned fillers split by hash."""
    raw = json.loads((DATA_DIR / "pools.json").read_text(encoding="utf-8"))
    pools: dict[str, dict[str, tuple[str, ...]]] = {s: {} for s in SPLITS}
    for split in SPLITS:
        for name, entries in raw["shared"].items():
            pools[split][name] = tuple(entries)
        for name, entries in raw["partitioned"].items():
            mine = tuple(e for e in entries if entry_split(e) == split)
            pools[split][name] = mine or tuple(entries)  # never leave a pool empty
    return pools


@lru_cache(maxsize=1)
def load_templates() -> dict[str, dict[str, tuple[str, ...]]]:
    raw = json.loads((DATA_DIR / "templates.json").read_text(encoding="utf-8"))
    return {g: {s: tuple(v[s]) for s in SPLITS} for g, v in raw.items() if g != "note"}


def _price_text(rng: random.Random, value: int, currency: str) -> str:
    if currency == "usd":
        return rng.choice([f"${value}", f"{value} USD", f"US${value}", f"only ${value}",
                           f"${value} shipped", f"{value}$", f"price {value}"])
    return rng.choice([f"¥{value}", f"{value}元", f"{value}r", f"💰{value}", f"RMB{value}",
                       f"{value}块", f"价格{value}", f"¥{value}包邮", f"到手{value}", f"{value}米"])


class Composer:
    """Expands one template into a post for a given split and brand."""

    def __init__(self, split: str, rng: random.Random) -> None:
        self.split = split
        self.rng = rng
        self.pools = load_pools()[split]

    def _value(self, name: str, brand: Brand) -> str:
        rng = self.rng
        low, _high = brand.price
        simple = {
            "brand_zh": brand.zh, "brand_en": brand.en, "nick": brand.nick,
            "amb": brand.amb or brand.nick, "prod_zh": brand.products_zh,
            "prod_en": brand.products_en,
        }
        if name in simple:
            return rng.choice(simple[name])
        if name == "e":
            return rng.choice(self.pools["emoji"])
        if name == "price":  # counterfeit price: a small fraction of list
            return _price_text(rng, max(39, int(rng.uniform(0.02, 0.15) * low)), "cny")
        if name == "price_usd":
            return _price_text(rng, max(15, int(rng.uniform(0.02, 0.15) * low / 7)), "usd")
        if name == "resale_price":
            return _price_text(rng, int(rng.uniform(0.45, 0.9) * low), "cny")
        if name == "resale_usd":
            return _price_text(rng, int(rng.uniform(0.45, 0.9) * low / 7), "usd")
        if name == "small_price":
            return _price_text(rng, rng.choice([9, 15, 19.9, 25, 29, 38, 45, 58, 68, 88, 99, 128,
                                                168, 199, 258]).__int__(), "cny")
        if name == "small_usd":
            return _price_text(rng, rng.choice([5, 8, 12, 15, 18, 20, 25, 30, 35, 45, 60]), "usd")
        if name in self.pools:
            return rng.choice(self.pools[name])
        raise KeyError(f"unknown placeholder {name!r}")

    def fill(self, template: str, brand: Brand) -> str:
        clauses = [c.strip() for c in template.split("||")]
        rng = self.rng
        if len(clauses) > 3 and rng.random() < 0.35:
            middle = clauses[1:-1]
            rng.shuffle(middle)
            clauses = [clauses[0], *middle, clauses[-1]]
        parts = [_PLACEHOLDER.sub(lambda m: self._value(m.group(1), brand), c) for c in clauses]
        text = parts[0]
        separator = rng.choice(_SEPARATORS)
        for part in parts[1:]:
            if rng.random() < 0.25:
                separator = rng.choice(_SEPARATORS)
            if rng.random() < 0.15:
                text += self._value("e", brand)
            text += separator + part
        branded = any(k in template for k in ("{brand", "{nick", "{amb", "{prod"))
        return self._decorate(text, brand, branded)

    def _decorate(self, text: str, brand: Brand, branded: bool) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.2:
            text = self._value("e", brand) * rng.randint(1, 3) + text
        elif roll < 0.35 and branded:
            text = "【" + rng.choice(brand.products_zh + brand.products_en) + "】" + text
        if rng.random() < 0.3:
            text += rng.choice(["", " ", "\n"]) + self._value("e", brand) * rng.randint(1, 3)
        if rng.random() < 0.25:
            topical = [*brand.en[:1], *brand.products_en[:2]] if branded else ["homemade", "手作"]
            tags = rng.sample([*topical, "ootd", "好物推荐", "闲置", "穿搭", "sale", "fashion",
                               "每日上新", "生活"], k=rng.randint(1, 3))
            text += rng.choice([" ", "\n"]) + " ".join("#" + t.replace(" ", "") for t in tags)
        if rng.random() < 0.1:
            text = text.upper() if rng.random() < 0.5 else text.lower()
        return text
