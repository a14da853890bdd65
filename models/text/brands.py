"""Brand and price knowledge: which brand a caption names, what it offers, at what price,
and how that price compares with the lowest price a genuine new item sells for.

The table (data/brand_table.json, versioned) lists brands with their aliases (official
names, Chinese names, nicknames, misspellings), the categories they sell with a floor price
in USD per category, keyword lists that name a category in a post, and fixed exchange rates.
A floor is deliberately low (cheapest new item at retail, outlet discounts allowed), so only
prices far below it count as evidence.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import ahocorasick

TABLE_PATH = Path(__file__).resolve().parent / "data" / "brand_table.json"
SHORT_ALIAS = 3  # aliases this short (LV, GG, AP) need word boundaries and count as weak

# Currency marks as sellers write them, in the order they are tried (longest first).
_CURRENCY_MARKS: tuple[tuple[str, str], ...] = (
    ("hk$", "HKD"), ("hkd", "HKD"), ("nt$", "TWD"), ("ntd", "TWD"), ("us$", "USD"),
    ("usd", "USD"), ("s$", "SGD"), ("sgd", "SGD"), ("a$", "AUD"), ("aud", "AUD"),
    ("c$", "CAD"), ("cad", "CAD"), ("r$", "BRL"), ("rmb", "CNY"), ("cny", "CNY"),
    ("rm", "MYR"), ("myr", "MYR"), ("php", "PHP"), ("₱", "PHP"), ("inr", "INR"),
    ("₹", "INR"), ("rs.", "INR"), ("aed", "AED"), ("eur", "EUR"), ("€", "EUR"), ("gbp", "GBP"),
    ("£", "GBP"), ("₦", "NGN"), ("ngn", "NGN"), ("ksh", "KES"), ("thb", "THB"), ("฿", "THB"),
    ("idr", "IDR"), ("rp", "IDR"), ("jpy", "JPY"), ("円", "JPY"), ("krw", "KRW"), ("₩", "KRW"),
    ("zar", "ZAR"), ("¥", "CNY"), ("￥", "CNY"), ("$", "USD"),
)
_SUFFIX_MARKS: tuple[tuple[str, str], ...] = (
    ("元", "CNY"), ("块", "CNY"), ("塊", "CNY"), ("蚊", "HKD"), ("米", "CNY"), ("r", "CNY"),
    ("rmb", "CNY"), ("usd", "USD"), ("hkd", "HKD"), ("aed", "AED"), ("円", "JPY"),
)
_NUMBER = r"(\d{1,3}(?:[,，]\d{3})+|\d+(?:\.\d+)?)\s*([kKwW千万萬]?)"
_PREFIX_RE = re.compile(
    r"(" + "|".join(re.escape(m) for m, _ in _CURRENCY_MARKS) + r")\s*" + _NUMBER, re.I)
_SUFFIX_RE = re.compile(
    _NUMBER + r"\s*(" + "|".join(re.escape(m) for m, _ in _SUFFIX_MARKS) + r")(?![a-z])", re.I)
# "1.2w" / "1.2万" alone in a Chinese post: yuan, by how such posts are written.
_TEN_THOUSANDS_RE = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s*([wW万萬])(?![a-z])")
_PREFIX_CURRENCY = dict(_CURRENCY_MARKS)
_SUFFIX_CURRENCY = dict(_SUFFIX_MARKS)
_MULTIPLIER = {"": 1, "k": 1_000, "千": 1_000, "w": 10_000, "万": 10_000, "萬": 10_000}


@dataclass(frozen=True)
class Price:
    amount: float
    currency: str
    start: int
    end: int


@dataclass(frozen=True)
class BrandMention:
    brand: str
    alias: str
    start: int
    end: int
    weak: bool  # a short alias (LV, AP): a weaker signal on its own


@dataclass(frozen=True)
class BrandPrice:
    """A named brand offered at a stated price, against the floor of its category."""

    brand: str
    tier: str
    category: str
    price: Price
    floor_usd: float
    ratio: float  # the price in USD over the floor

    def describe(self) -> str:
        fraction = f"1/{round(1 / self.ratio)}" if 0 < self.ratio < 0.5 else f"{self.ratio:.2f}x"
        return (f"{self.brand} {self.category} at {self.price.currency} "
                f"{self.price.amount:,.0f}: {fraction} of the lowest genuine new price "
                f"(about USD {self.floor_usd:,.0f})")


class BrandTable:
    def __init__(self, data: dict[str, Any]) -> None:
        self.version: str = data["version"]
        self.fx: dict[str, float] = data["fx_to_usd"]
        self.brands: dict[str, dict[str, Any]] = {b["name"]: b for b in data["brands"]}
        self._aliases = ahocorasick.Automaton()
        for brand in data["brands"]:
            for alias in {brand["name"].lower(), *(a.lower() for a in brand["aliases"])}:
                self._aliases.add_word(alias, (brand["name"], alias))
        self._aliases.make_automaton()
        self._categories = ahocorasick.Automaton()
        for category, spec in data["categories"].items():
            for word in spec["keywords"]:
                self._categories.add_word(word.lower(), (category, word.lower()))
        self._categories.make_automaton()

    def mentions(self, text: str) -> list[BrandMention]:
        lowered = text.lower()
        found: list[BrandMention] = []
        for end, (brand, alias) in self._aliases.iter(lowered):
            start = end - len(alias) + 1
            if alias.isascii() and not _word_bounded(lowered, start, end + 1):
                continue
            found.append(BrandMention(brand, alias, start, end + 1,
                                      weak=len(alias) <= SHORT_ALIAS))
        # Longest first; drop mentions inside a longer one.
        found.sort(key=lambda m: (m.start, -(m.end - m.start)))
        kept: list[BrandMention] = []
        for m in found:
            if not any(k.start <= m.start and m.end <= k.end for k in kept):
                kept.append(m)
        return kept

    def categories(self, text: str) -> list[tuple[int, str]]:
        lowered = text.lower()
        out = []
        for end, (category, word) in self._categories.iter(lowered):
            start = end - len(word) + 1
            if word.isascii() and not _word_bounded(lowered, start, end + 1, plural=True):
                continue
            out.append((start, category))
        return out

    def to_usd(self, price: Price) -> float | None:
        rate = self.fx.get(price.currency)
        return price.amount * rate if rate else None

    def brand_price(self, text: str, price: Price | None = None,
                    claimed_brand: str | None = None,
                    mentions: list[BrandMention] | None = None) -> BrandPrice | None:
        """The named brand whose stated price is lowest against its floor, if any.

        `price`: a price given beside the text (a listing's price field) instead of the ones
        written in it; `claimed_brand`: a brand the seller names beside the text; `mentions`:
        `self.mentions(text)` when the caller has it already."""
        found = self.mentions(text) if mentions is None else mentions
        mentions = [m for m in found if not m.weak] or found
        if claimed_brand:
            mentions += [m for m in self.mentions(claimed_brand) if not m.weak]
        prices = [price] if price is not None else prices_in(text)
        if not mentions or not prices:
            return None
        named = self.categories(text)
        best: BrandPrice | None = None
        for mention in mentions:
            brand = self.brands[mention.brand]
            floors: dict[str, float] = brand["floors_usd"]
            if not floors:  # sold in no category the table prices
                continue
            known = [c for _, c in named if c in floors]
            # No category named: the brand's cheapest category, so the floor errs low.
            category = known[0] if known else min(floors, key=lambda c: floors[c])
            for price in prices:
                usd = self.to_usd(price)
                if usd is None or usd <= 0:
                    continue
                candidate = BrandPrice(mention.brand, brand["tier"], category, price,
                                       floors[category], usd / floors[category])
                if best is None or candidate.ratio < best.ratio:
                    best = candidate
        return best


def _word_bounded(text: str, start: int, end: int, plural: bool = False) -> bool:
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    if plural and after == "s":
        after = text[end + 1] if end + 1 < len(text) else " "
    return not (before.isascii() and before.isalnum()) and not (after.isascii() and after.isalnum())


def prices_in(text: str) -> list[Price]:
    """Stated prices: a currency mark before or after a number (¥680, 680元, RM 89, 1.2k)."""
    lowered = text.lower()
    out: list[Price] = []
    for match in _PREFIX_RE.finditer(lowered):
        mark, number, unit = match.groups()
        if mark in ("rm", "rp", "$") and match.start() > 0 and lowered[match.start() - 1].isalpha():
            continue  # "form 5", "grip 3": letters, not a currency
        out.append(Price(_amount(number, unit), _PREFIX_CURRENCY[mark], match.start(),
                         match.end()))
    for match in _SUFFIX_RE.finditer(lowered):
        number, unit, mark = match.groups()
        if any(p.start <= match.start() < p.end for p in out):
            continue
        out.append(Price(_amount(number, unit), _SUFFIX_CURRENCY[mark], match.start(),
                         match.end()))
    if any("\u4e00" <= ch <= "\u9fff" for ch in text):
        for match in _TEN_THOUSANDS_RE.finditer(lowered):
            if not any(p.start <= match.start() < p.end for p in out):
                number, unit = match.groups()
                out.append(Price(_amount(number, unit), "CNY", match.start(), match.end()))
    return out


def _amount(number: str, unit: str) -> float:
    value = float(re.sub(r"[,，]", "", number))
    return value * _MULTIPLIER.get(unit.lower(), 1)


def log_ratio(ratio: float) -> float:
    """log10 of price / floor, clipped to [-2, 1]: the feature the classifier reads."""
    return max(-2.0, min(1.0, math.log10(max(ratio, 1e-6))))


@lru_cache(maxsize=2)
def load_brand_table(path: Path = TABLE_PATH) -> BrandTable:
    return BrandTable(json.loads(path.read_text(encoding="utf-8")))
