"""Supplier networks in the synthetic marketplace, and the network signals listings carry.

Most counterfeit sellers are agents of a supplier who hands the same photos and captions to
many of them. Once moderators have removed some of a network's listings as counterfeit,
its photos sit in the known-counterfeit bank and its agents share rare photos with sellers
who have confirmed counterfeits; the longer a network has been known, the more of its
photos are banked and the more of its agents are linked. Signals are noisy both ways:
agents crop and screenshot photos (weaker matches, some missed), and honest sellers get
rare false bank matches (a wrongly banked photo, a decision not yet overturned, an official
photo of a product the catalog does not hold that a counterfeiter had re-used) and weak
false links (a stock photo that slipped under the platform's rarity cap).

Everything here draws from its own random stream, so adding network signals leaves every
other field of a listing exactly as the generator drew it before.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from trustdata.listings.world import Seller

# Share of each counterfeit archetype's sellers who are agents of a supplier network.
NETWORK_SHARE = {"counterfeit_overt": 0.65, "counterfeit_evasive": 0.6, "counterfeit_mixed": 0.5}
COUNTERFEIT_ARCHETYPES = frozenset(NETWORK_SHARE)
MEAN_NETWORK_SIZE = 6
UNKNOWN_NETWORK_SHARE = 0.3  # networks moderators have not confirmed a listing of yet
MEAN_KNOWN_DAYS = 90.0
MAX_KNOWN_DAYS = 720.0
# Saturating coverage in the days a network has been known: the bank fills as moderators
# remove listings; links need only one confirmed seller sharing a photo, so come sooner.
BANK_MAX, BANK_SCALE_DAYS = 0.85, 60.0
LINK_MAX, LINK_SCALE_DAYS = 0.9, 40.0
# Cropped, gridded and screenshotted photos: fewer bank hits, somewhat weaker confidences.
EDITED_KINDS = frozenset({"counterfeit_evasive", "counterfeit_mixed"})
EDITED_BANK_RECALL = 0.75
# Beta parameters of bank-match confidences. They are calibrated (how sure the matcher is that
# it is the same photo), so a repost of the very photo scores high whether the entry is right
# or wrong, and a near collision that just clears the threshold scores low.
SAME_PHOTO_CONFIDENCE = (9.0, 1.5)  # mean 0.86
EDITED_PHOTO_CONFIDENCE = (6.0, 1.5)  # mean 0.80
NEAR_COLLISION_CONFIDENCE = (1.5, 6.0)  # mean 0.20
# The genuine stock of a network agent rarely shares the network's photos; its captions may.
GENUINE_STOCK_LINK_FACTOR = 0.15
# Outside known networks. A seller with a confirmed counterfeit re-posts photos of the
# removed listing, which are banked: right for a lone counterfeiter, wrong for an honest
# seller a moderator removed by mistake (the world's honest sellers with a confirmed
# counterfeit), until the appeal overturns it.
OWN_REMOVED_PHOTO_REUSE = 0.4  # of that seller's listings
# Of an honest seller's reposts of a wrongly removed listing's photos, those made before the
# appeal overturns the decision (which takes the photos out of the bank).
BEFORE_APPEAL_SHARE = 0.25
NEAR_COLLISION_RATE = 0.003  # per listing: a similar-looking shot just above the threshold
BANKED_OFFICIAL_PHOTO_RATE = 0.01  # of official photos of products the catalog lacks
# Sellers one of whose stock photos slipped under the rarity cap and links them to a seller
# with a confirmed counterfeit (twice the share issue 21 allows), and their listings with it.
STOCK_PHOTO_LINKED_SELLERS = 0.01
STOCK_PHOTO_LISTING_SHARE = 0.4
# Link strength: saturating in the evidence, as the seller-link scorer bounds it to [0, 1].
LINK_STRENGTH_SCALE = 0.25
LINK_KIND_WEIGHT = {"photo": 1.0, "caption": 0.5}
SNAPSHOT = dt.datetime(2024, 6, 11, tzinfo=dt.UTC)  # the day the listing set is drawn
SHARED_BANK = "shared:brand-protection"  # a bank another platform or a brand shares
SHARED_BANK_SHARE = 0.2  # of a listing's bank hits, those found in the shared bank
IMPORTED_SHARE_OF_SHARED = 0.5  # entries imported from a hash list carry no decision


@dataclass(frozen=True)
class Network:
    network_id: str
    split: str
    known_days: float  # since moderators first confirmed one of its listings; 0: not yet


def assign_networks(sellers: list[Seller], seed: int) -> dict[str, Network]:
    """Puts a share of counterfeit sellers into networks (heavy-tailed sizes, one split
    each, as sellers are) and sets each member's `network`."""
    rng = random.Random(f"supplier-networks-{seed}")
    networks: dict[str, Network] = {}
    for split in ("train", "test"):
        members = [s for s in sellers if s.split == split
                   and rng.random() < NETWORK_SHARE.get(s.archetype, 0.0)]
        if not members:
            continue
        count = max(1, round(len(members) / MEAN_NETWORK_SIZE))
        ids = [f"net-{split}-{i:03d}" for i in range(count)]
        weights = [rng.paretovariate(1.2) for _ in ids]
        for network_id in ids:
            known = 0.0 if rng.random() < UNKNOWN_NETWORK_SHARE else min(
                MAX_KNOWN_DAYS, rng.expovariate(1 / MEAN_KNOWN_DAYS))
            networks[network_id] = Network(network_id, split, round(known, 1))
        for seller in members:
            seller.network = rng.choices(ids, weights)[0]
    for seller in sellers:
        seller.stock_photo_link = (seller.network is None
                                   and rng.random() < STOCK_PHOTO_LINKED_SELLERS)
    return networks


def link_strength(links: list[dict[str, Any]]) -> float:
    mass = sum(LINK_KIND_WEIGHT[link["kind"]] * min(link["shared"], 4)
               * min(link["confirmed_counterfeits"], 3) for link in links)
    return round(1.0 - math.exp(-LINK_STRENGTH_SCALE * mass), 4)


def _coverage(known_days: float, top: float, scale: float) -> float:
    return top * (1.0 - math.exp(-known_days / scale))


def _decided_at(rng: random.Random, within_days: float) -> str:
    when = SNAPSHOT - dt.timedelta(days=rng.uniform(0.0, max(within_days, 1.0)))
    return when.replace(microsecond=0).isoformat()


def _bank_matches(rng: random.Random, photos: int, confidence: tuple[float, float],
                  share: float, within_days: float) -> list[dict[str, Any]]:
    """Matches of some of the listing's photos to bank entries (at least one)."""
    count = 1 + sum(rng.random() < share for _ in range(photos - 1))
    shared = rng.random() < SHARED_BANK_SHARE
    matches = []
    for index in sorted(rng.sample(range(photos), count)):
        imported = shared and rng.random() < IMPORTED_SHARE_OF_SHARED
        matches.append({
            "entry_id": f"bank-entry-{rng.randrange(16**10):010x}",
            "confidence": round(rng.betavariate(*confidence), 4),
            "bank": SHARED_BANK if shared else "platform",
            "photo_index": index,
            "review_item_id": None if imported else str(rng.randrange(10**6, 10**9)),
            "decided_at": None if imported else _decided_at(rng, within_days),
        })
    return sorted(matches, key=lambda m: -m["confidence"])


def _links(rng: random.Random, count: int, shared: tuple[int, int],
           confirmed_p: float, photo_p: float) -> dict[str, Any]:
    links = []
    for _ in range(count):
        kind = "photo" if rng.random() < photo_p else "caption"
        seller = f"p-{rng.randrange(16**8):08x}"
        links.append({"seller": seller, "kind": kind, "shared": rng.randint(*shared),
                      # geometric: most linked sellers have one confirmed counterfeit
                      "confirmed_counterfeits": 1 + int(math.log(1 - rng.random())
                                                        / math.log(confirmed_p)),
                      "listing_id": f"{seller}-l{rng.randrange(1000):03d}"})
    return {"strength": link_strength(links), "links": links}


def network_signals(rng: random.Random, seller: Seller, network: Network | None, kind: str,
                    label: int, photos: int,
                    unenrolled_official_use: float = 0.0) -> dict[str, Any]:
    """`bank_matches` and `linked_counterfeit` of one listing (before label noise).

    `unenrolled_official_use`: the chance this listing shows an official photo of a product
    the catalog does not hold (0 when the product is enrolled or there is none); a share of
    those photos were banked when a counterfeiter re-used them, as nothing matched them.
    """
    bank: list[dict[str, Any]] = []
    linked: dict[str, Any] | None = None
    known = network.known_days if network is not None else 0.0
    if network is not None and known > 0 and label:
        edited = kind in EDITED_KINDS
        p_bank = _coverage(known, BANK_MAX, BANK_SCALE_DAYS)
        if photos > 0 and rng.random() < p_bank * (EDITED_BANK_RECALL if edited else 1.0):
            bank = _bank_matches(rng, photos, EDITED_PHOTO_CONFIDENCE if edited
                                 else SAME_PHOTO_CONFIDENCE, 0.5, known)
        if rng.random() < _coverage(known, LINK_MAX, LINK_SCALE_DAYS):
            linked = _links(rng, 1 + int(rng.expovariate(1 / 1.5)), (1, 5), 0.5,
                            0.75 if photos > 0 else 0.0)
    elif network is not None and known > 0:
        # The genuine part of a network agent's stock: its own photos, a template caption.
        if rng.random() < _coverage(known, LINK_MAX, LINK_SCALE_DAYS) * GENUINE_STOCK_LINK_FACTOR:
            linked = _links(rng, 1, (1, 2), 0.4, 0.0)
    else:
        if photos > 0:
            # (A mixed seller's genuine stock has its own photos, not the removed fake's.)
            honest_seller = seller.archetype not in COUNTERFEIT_ARCHETYPES
            own_removed = (seller.confirmed_counterfeits > 0
                           and (label or honest_seller)
                           and rng.random() < OWN_REMOVED_PHOTO_REUSE
                           * (BEFORE_APPEAL_SHARE if honest_seller else 1.0))
            banked_official = (rng.random()
                               < unenrolled_official_use * BANKED_OFFICIAL_PHOTO_RATE)
            if own_removed or banked_official:
                bank = _bank_matches(rng, photos, SAME_PHOTO_CONFIDENCE, 0.2, 365.0)
            elif rng.random() < NEAR_COLLISION_RATE:
                bank = _bank_matches(rng, photos, NEAR_COLLISION_CONFIDENCE, 0.0, 365.0)
        if seller.stock_photo_link and photos > 0 and rng.random() < STOCK_PHOTO_LISTING_SHARE:
            linked = _links(rng, 1, (1, 1), 0.2, 1.0)
    return {"bank_matches": bank, "linked_counterfeit": linked}
