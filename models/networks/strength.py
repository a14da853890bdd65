"""Whether two sellers are linked (``is_link``), and how strongly a listing's links to
sellers with confirmed counterfeits point at a fake.

Each link (another seller who shares rare photos or a near-identical caption with this
listing and has confirmed counterfeits) is evidence in [0, 1):

    evidence = min(MAX_LINK_EVIDENCE, kind weight x (1 - 1/2^shared) x (1 - 1/2^confirmed))

one shared photo with a seller who has one confirmed counterfeit is 0.25; each further
shared photo or confirmed counterfeit halves what is missing, up to MAX_LINK_EVIDENCE: one
link, however strong, is one other seller's record. Links combine as independent evidence,
strength = 1 - prod(1 - evidence): bounded in [0, 1], non-decreasing and saturating in the
number of links. A shared caption weighs less than
a shared photo (a supplier's caption is copied by people who only resell, and short
captions are alike by chance more often than photos).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from models.networks.rules import (
    CATALOG_CAPTION_SHARE,
    LOOSE_PHOTO_PIECES,
    SPECIFIC_PHOTO_SHARE,
    WEAK_TO_LINK,
)
from models.risk.signals import SellerLink

KIND_WEIGHT = {"photo": 1.0, "caption": 0.6}
MAX_LINK_EVIDENCE = 0.9


def specific_at_most(cap: int) -> int:
    """The most sellers a photo may have and still be specific evidence."""
    return math.floor(cap * SPECIFIC_PHOTO_SHARE)


def brand_words(sellers: int, beside_catalog: int) -> bool:
    """Whether a caption that ``sellers`` sellers posted, ``beside_catalog`` of them beside a
    catalog photo, is the brand's own words (models/networks/rules.py), which link nobody."""
    return sellers > 0 and beside_catalog > CATALOG_CAPTION_SHARE * sellers


def is_link(shared: Iterable[tuple[str, int, bool]], cap: int) -> bool:
    """Whether two sellers sharing these rare groups, (kind, sellers who posted it, whether
    the two posted close copies of it), are linked: one specific shared photo (few sellers,
    close copies), or WEAK_TO_LINK weak pieces (models/networks/rules.py), a photo few
    sellers posted in loose copies counting LOOSE_PHOTO_PIECES."""
    weak = 0
    for kind, sellers, close in shared:
        few = kind == "photo" and sellers <= specific_at_most(cap)
        if few and close:
            return True
        weak += LOOSE_PHOTO_PIECES if few else 1
    return weak >= WEAK_TO_LINK


def link_evidence(kind: str, shared: int, confirmed: int) -> float:
    if shared <= 0 or confirmed <= 0:
        return 0.0
    weight = KIND_WEIGHT.get(kind, 0.0)
    return min(MAX_LINK_EVIDENCE, weight * (1.0 - 0.5 ** shared) * (1.0 - 0.5 ** confirmed))


def link_strength(links: Sequence[SellerLink]) -> float:
    missing = 1.0
    for link in links:
        missing *= 1.0 - link_evidence(link.kind, link.shared, link.confirmed_counterfeits)
    return round(min(1.0, max(0.0, 1.0 - missing)), 4)
