"""Which photo groups are edits of one popular photo, so its popularity counts them all.

A photo group holds near-identical whole-photo prints (models/networks/prints.py): a
recompression joins it, a 5-10 % border crop or a screenshot of the photo does not (whole
prints of those are 10-30 pHash bits away, where distinct photos also fall). Counting the
sellers of one group therefore splits a stock photo posted by seventy sellers into groups
of fifteen to forty, each under the cap, each linking its posters. The known-counterfeit
bank already knows a photo's edits: it stores a photo's enrolment views (crops, mirror,
filters; models/banks/hashes.py) and matches a listing's recovered regions (screenshot
photo area, trimmed content, grid cells) against them under a calibrated rule with no
wrong match on its hold-out (models/artifacts/bank-acceptance-v1). Seller networks use the
same views, and that rule widened (``VARIANT_RULES``), for popular photos:

* a photo group whose sellers reach ``enrol_at(cap)`` has its enrolment views stored once
  (from the pixels of the post that took it there): popular photos only, so the 0.1 s of
  views is paid once per popular photo, not per post;
* every later post's recovered regions are matched against the platform's enrolled views,
  and a post matching group G makes its own group a variant of G; when a group is
  enrolled, the groups already recorded whose whole print matches its views become its
  variants too;
* a group's popularity is its sellers together with those of its variants up to two steps
  away (a crop, the photo it is cut from, that photo's other crops), and the cap applies
  to that.

A wrong variant pair only ever makes a photo look more popular than it is (fewer links,
never more).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from PIL import Image

from models.banks.acceptance import BankRules, pair_confidence
from models.banks.hashes import BankHash, bank_hashes
from models.banks.index import BankIndex
from models.hashing.detail import information_gain
from models.hashing.kinds import thumbnail
from models.hashing.matcher import HashSet, hash_sets
from models.hashing.views import work_image
from models.thresholds import MATCH_MIN_INFORMATION

# When a listing photo is an edit of a popular photo: the bank's rule widened to every
# distance its index searches (pHash <= 7 with PDQ <= 72, or PDQ <= 15). A pair accepted
# wrongly here costs links (a photo looks more popular than it is), never adds one, so the
# rule trades the bank's zero wrong matches for more edits found; distinct whole photos come
# no closer than pHash 10 / PDQ 74 in the networks calibration (reports/networks/calibration.md).
VARIANT_RULES = BankRules(version="network-variants", phash_max=7, pdq_confirm_max=72,
                          pdq_max=15, phash_alone_max=1)

# A group is enrolled when this share of the cap of sellers have posted it: early enough
# that the edits posted after it are counted, late enough that a photo posted by a handful
# of sellers (most of them) never costs its views.
ENROL_SHARE = 0.2


# Feeds show a photo cropped to their frame: portrait posts at 4:5 (Instagram) and 3:4
# (Xiaohongshu). A screenshot of such a feed recovers the cropped photo, which the catalog's
# enrolment views (a centre square among them) miss by 12-16 pHash bits. Used for the
# variants of popular photos only: the catalog and the bank keep their calibrated views.
FEED_RATIOS = (("feed-4x5", 4 / 5), ("feed-3x4", 3 / 4))
FEED_MIN_CUT = 0.05  # a crop removing less than this share of a side is the photo itself


def _feed_box(w: int, h: int, ratio: float) -> tuple[int, int, int, int] | None:
    if w / h > ratio:  # wider than the frame: its sides are cut
        cw, ch = h * ratio, float(h)
    else:
        cw, ch = float(w), w / ratio
    if cw > w * (1 - FEED_MIN_CUT) and ch > h * (1 - FEED_MIN_CUT):
        return None
    return (round((w - cw) / 2), round((h - ch) / 2), round((w + cw) / 2), round((h + ch) / 2))


def feed_views(image: Image.Image) -> list[BankHash]:
    """The photo as portrait feeds crop it, hashed like enrolment views."""
    work = work_image(image).convert("L")
    boxes = [(name, box) for name, ratio in FEED_RATIOS
             if (box := _feed_box(*work.size, ratio)) is not None]
    if not boxes:
        return []
    sets = hash_sets([n for n, _ in boxes], [thumbnail(work, b) for _, b in boxes],
                     gain=information_gain(work))
    return [BankHash(h.name, h.phash, h.pdq, h.quality) for h in sets
            if h.quality >= MATCH_MIN_INFORMATION]


def variant_views(image: Image.Image) -> list[BankHash]:
    """What a popular photo's variants are matched against: the bank's views and the feed
    crops."""
    return bank_hashes(image) + feed_views(image)


def enrol_at(cap: int) -> int:
    """Sellers at which a photo group's enrolment views are stored."""
    return max(2, math.ceil(cap * ENROL_SHARE))


def accepted(index: BankIndex, rules: BankRules, queries: Sequence[HashSet]
             ) -> set[tuple[int, int]]:
    """(position in ``queries``, index entry) of every pair the rule accepts."""
    if not queries or not len(index):
        return set()
    pairs = index.search(queries)
    ok = pair_confidence(pairs, rules) > 0
    return {(int(q), int(e)) for q, e in zip(pairs.query[ok], pairs.entry[ok], strict=True)}
