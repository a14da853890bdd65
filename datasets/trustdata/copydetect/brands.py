"""Brand families: different products carrying one brand's printed logo.

A brand's catalog is many products with the same word in the same font, size and colour;
a counterfeit of one of them, or another product of the brand, shares that word with every
catalog photo of the brand. Keypoints on the word then fit in any number, with no other
catalog photo rivalling them when the brand has one product enrolled: the pair a match
acceptance calibrated only on unrelated products has never seen as wrong
(reports/matching/SCALE.md). Each family has some products to enrol (``sizes``, cycled:
a brand with one product enrolled is the case where the logo's fit stands alone, with
several the fits rival each other) and one more, never enrolled, that shares the logo (an
outsider: every pair it finds is wrong).

Everything is determined by the split's seed; the product seeds (``BRAND_SEED`` on) are
disjoint from the splits' (``1_000_000 * (seed + 1)`` on) and the distractors'
(sources.DISTRACTOR_SEED on).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image, ImageDraw

from trustdata.copydetect.sources import brand_word, load_font, product_shot

BRAND_SEED = 70_000_000
SEEDS_PER_SPLIT = 10_000


@dataclass(frozen=True)
class BrandFamily:
    word: str
    members: tuple[tuple[str, Image.Image], ...]  # (name, photo): enrolled
    outsider: tuple[str, Image.Image]  # the same logo on a product not enrolled


def _logo_on(seed: int, word: str, font_seed: int, font_size: int,
             fill: tuple[int, int, int], rng: random.Random, size: int) -> Image.Image:
    img = product_shot(seed, size=size)
    draw = ImageDraw.Draw(img)
    font = load_font(random.Random(font_seed), font_size)
    width = draw.textlength(word, font=font)
    x = rng.uniform(0.03, max(0.04, 0.97 - width / size)) * size
    y = rng.uniform(0.05, 0.8) * size
    draw.text((x, y), word, font=font, fill=fill)
    return img


def brand_families(split_seed: int, families: int, sizes: Sequence[int],
                   size: int = 640) -> list[BrandFamily]:
    """``families`` brands, the i-th with ``sizes[i % len(sizes)]`` products enrolled."""
    rng = random.Random(f"brands/{split_seed}")
    seed = BRAND_SEED + split_seed * SEEDS_PER_SPLIT
    out = []
    for f in range(families):
        members = sizes[f % len(sizes)]
        word = brand_word(rng).upper()
        font_seed, font_size = rng.randrange(1 << 30), rng.randint(36, 84)
        fill = (rng.randint(0, 60), rng.randint(0, 60), rng.randint(0, 60))
        photos = []
        for _ in range(members + 1):
            photos.append((f"brand{f}-product-{seed}",
                           _logo_on(seed, word, font_seed, font_size, fill, rng, size)))
            seed += 1
        out.append(BrandFamily(word, tuple(photos[:members]), photos[members]))
    return out
