"""Recording what sellers post, and the links between sellers who post the same rare things.

Write (service/networks/recording.py): every scored listing records a print per photo (the
hash stage's whole-photo PDQ and pHash, and whether it matched a catalog photo) and its
caption's MinHash. Each print joins the nearest group of near-identical prints of the
platform (photos found in process by pHash: service/networks/runtime.py; captions through
their LSH band keys in the database), or starts one; the group counts its distinct sellers.

Read: links are computed from the groups when asked (the listing's signal, the seller
network page), not materialised on write. Whether a group links anyone changes after the
fact, and for many sellers at once: the 51st seller posting a photo makes it common for all
50 before, a catalog match on a later listing makes it official, a decision or an overturned
appeal changes who has confirmed counterfeits. Pairwise links written on write would be
O(sellers^2) rows per group to rewrite on each of those; derived on read they cost one join
over the group's members, which the cap bounds.

Rarity: a group links nobody when any of its prints matched a catalog photo (an official
photo stays official, whoever reposts it), when most of the sellers of a caption posted it
beside a catalog photo (the brand's own words, models/networks/strength.brand_words), or when
more than `network_rare_max_sellers` sellers posted it (a stock photo, a meme, a template
caption). A photo's sellers are
counted over its variants too: the groups of its crops and screenshots, known through the
enrolment views of popular photos (models/networks/variants.py). Members are kept up to
recording.SELLERS_KEPT per group, enough to count past any allowed cap, so a viral photo costs one
group and a bounded member list, however often it is posted.

Links: two sellers sharing rare groups are linked when what they share is specific enough
(models/networks/strength.is_link: one photo few sellers posted, the two in close copies, or
three weak pieces). A
listing's own shared groups may be weak alone; they are then weighed with everything the
two sellers posted (``_linked``, read only for sellers with confirmed counterfeits).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace

from sqlalchemy.orm import Session

from models.hashing.kinds import hamming
from models.networks.captions import differing_slots
from models.networks.prints import close_copy
from models.networks.strength import brand_words, is_link, link_strength, specific_at_most
from models.risk.signals import LinkedCounterfeit, SellerLink
from service.kit.errors import NotFound, Unprocessable
from service.networks import repository
from service.networks.recording import CAPTION, PHOTO
from service.networks.recording import PhotoPost as PhotoPost  # the write side, re-exported
from service.networks.recording import Variants as Variants
from service.networks.recording import record as record
from service.networks.repository import GroupState
from service.networks.schemas import (
    EvidenceOut,
    LinkedSellerOut,
    NetworkLimitsOut,
    NetworkLinkOut,
    NetworkOut,
)
from service.networks.tables import NetworkPrint
from service.sellers import repository as sellers_repository

PRINTS_READ = 2000  # the seller's most recent prints a network page considers
LINKED_MAX = 100  # linked sellers a network page lists
EVIDENCE_PER_LINK = 5
EVIDENCE_READ = 5000  # the linked sellers' prints a network page reads for evidence
LINKS_IN_LISTING = 20  # linked sellers a listing's answer names


def rare_groups(session: Session, group_ids: Sequence[int], cap: int) -> dict[int, GroupState]:
    """The groups that may link sellers (read fresh: concurrent listings count sellers too):
    neither they nor a variant of theirs is an official photo, a caption is not the brand's
    own words (most of its sellers posted it beside a catalog photo), and at most ``cap``
    sellers posted them and their variants together (models/networks/variants.py). Each is
    returned with that count as its sellers."""
    groups = repository.group_states(session, group_ids)
    candidates = [i for i, g in groups.items() if not g.catalog and g.sellers <= cap]
    popular = repository.popularity(session, candidates)
    beside = repository.beside_catalog(session, [i for i in candidates
                                                 if groups[i].kind == CAPTION])
    return {i: replace(groups[i], sellers=popular[i].sellers) for i in candidates
            if not popular[i].catalog and popular[i].sellers <= cap
            and not brand_words(popular[i].sellers, beside.get(i, 0))}


def _close_copies(session: Session, seller_id: str, candidates: dict[str, set[int]]
                  ) -> set[tuple[str, int]]:
    """(other seller, photo group) of these pairs where the two sellers posted close copies
    of the photo (models/networks/prints.close_copy), not only prints the group rule joins."""
    groups = {g for gs in candidates.values() for g in gs}
    if not groups:
        return set()
    mine: dict[int, list[bytes]] = defaultdict(list)
    theirs: dict[tuple[str, int], list[bytes]] = defaultdict(list)
    for row in repository.group_prints(session, groups, {seller_id, *candidates},
                                       EVIDENCE_READ):
        if row.pdq is None or row.group_id is None:
            continue
        if row.seller_id == seller_id:
            mine[row.group_id].append(row.pdq)
        else:
            theirs[(row.seller_id, row.group_id)].append(row.pdq)
    return {(other, g) for (other, g), codes in theirs.items()
            if g in candidates.get(other, ()) and any(close_copy(a, b) for a in mine[g]
                                                      for b in codes)}


def _linked_sellers(session: Session, seller_id: str, shared: dict[str, set[int]],
                    rare: dict[int, GroupState], cap: int) -> set[str]:
    """The sellers whose shared rare groups amount to a link (models/networks/strength.py)."""
    few = specific_at_most(cap)
    close = _close_copies(session, seller_id, {
        other: {g for g in groups if rare[g].kind == PHOTO and rare[g].sellers <= few}
        for other, groups in shared.items()})
    return {other for other, groups in shared.items()
            if is_link([(rare[g].kind, rare[g].sellers, (other, g) in close)
                        for g in groups], cap)}


def _linked(session: Session, platform_id: str, seller_id: str, others: set[str],
            cap: int) -> set[str]:
    """Which of ``others`` this seller is linked to, over everything both posted."""
    if not others:
        return set()
    pairs = repository.shared_groups(session, platform_id, seller_id, others, PRINTS_READ)
    rare = rare_groups(session, sorted({g for g, _ in pairs}), cap)
    shared: dict[str, set[int]] = defaultdict(set)
    for group_id, other in pairs:
        if group_id in rare:
            shared[other].add(group_id)
    return _linked_sellers(session, seller_id, shared, rare, cap)


def widely_posted(session: Session, photo_groups: dict[int, int], sellers: int) -> set[int]:
    """The photos (indexes) whose photo, counted over its variants, at least ``sellers``
    sellers posted: a stock photo, a meme, or a supplier's photo handed to a crowd."""
    popular = repository.popularity(session, set(photo_groups.values()))
    return {i for i, g in photo_groups.items() if g in popular and popular[g].sellers >= sellers}


def listing_links(session: Session, platform_id: str, seller_id: str, joined: dict[int, str],
                  cap: int) -> list[SellerLink]:
    """Other sellers sharing this listing's rare groups who have confirmed counterfeits on
    this platform, strongest first."""
    rare = rare_groups(session, list(joined), cap)
    shared: dict[tuple[str, str], set[int]] = defaultdict(set)
    for group_id, other in repository.co_members(session, rare, seller_id,
                                                 cap * len(rare) + 1):
        shared[(other, rare[group_id].kind)].add(group_id)
    confirmed = sellers_repository.confirmed_counts(session, platform_id,
                                                    [s for s, _ in shared])
    wanted = {key: groups for key, groups in shared.items() if confirmed.get(key[0], 0) > 0}
    here: dict[str, set[int]] = defaultdict(set)
    for (other, _), groups in wanted.items():
        here[other] |= groups
    # Weak evidence in this listing alone may be a link over everything both posted.
    unsure = set(here) - _linked_sellers(session, seller_id, here, rare, cap)
    linked = _linked(session, platform_id, seller_id, unsure, cap)
    wanted = {key: groups for key, groups in wanted.items()
              if key[0] not in unsure or key[0] in linked}
    if not wanted:
        return []
    listing_of: dict[tuple[str, int], str] = {}
    for row in repository.group_prints(session, {g for gs in wanted.values() for g in gs},
                                       {s for s, _ in wanted}, EVIDENCE_READ):
        assert row.group_id is not None
        listing_of.setdefault((row.seller_id, row.group_id), row.listing_id)
    links = [SellerLink(seller=other, kind=kind, shared=len(groups),
                        confirmed_counterfeits=confirmed[other],
                        listing_id=next((listing_of[(other, g)] for g in sorted(groups)
                                         if (other, g) in listing_of), None))
             for (other, kind), groups in wanted.items()]
    links.sort(key=lambda link: (-link.confirmed_counterfeits, -link.shared, link.seller,
                                 link.kind))
    return links[:LINKS_IN_LISTING]


def linked_counterfeit(links: Sequence[SellerLink]) -> LinkedCounterfeit | None:
    return LinkedCounterfeit(strength=link_strength(links), links=tuple(links)) if links \
        else None


def links_out(links: Sequence[SellerLink]) -> list[LinkedSellerOut]:
    return [LinkedSellerOut(seller_id=link.seller, kind=PHOTO if link.kind == PHOTO
                            else CAPTION, shared=link.shared,
                            confirmed_counterfeits=link.confirmed_counterfeits,
                            listing_id=link.listing_id) for link in links]


def stored_links(session: Session, platform_id: str, seller_id: str, listing_id: str,
                 cap: int) -> list[SellerLink]:
    """The links of a listing already recorded (a deep check rescoring it)."""
    joined = {p.group_id: p.kind for p in repository.listing_prints(session, platform_id,
                                                                     listing_id)
              if p.group_id is not None and p.seller_id == seller_id}
    return listing_links(session, platform_id, seller_id, joined, cap)


def _distance(kind: str, mine: NetworkPrint, theirs: NetworkPrint) -> int:
    if kind == PHOTO:
        assert mine.pdq is not None and theirs.pdq is not None
        return hamming(mine.pdq, theirs.pdq)
    assert mine.signature is not None and theirs.signature is not None
    return differing_slots(mine.signature, theirs.signature)


def platform_for(session: Session, seller_id: str, key_platform: str | None,
                 asked: str | None) -> str:
    """The one platform whose seller is meant. A key bound to a platform sees its own alone
    (another platform's seller is answered as unknown); a service-wide key names the
    platform, or the seller's only one is taken."""
    if key_platform is not None:
        if asked is not None and asked != key_platform:
            raise NotFound(f"no seller {seller_id!r} seen on this platform",
                           code="seller_not_found")
        return key_platform
    if asked is not None:
        return asked
    platforms = repository.platforms_of_seller(session, seller_id, 2)
    if not platforms:
        raise NotFound(f"no seller {seller_id!r} seen on any platform", code="seller_not_found")
    if len(platforms) > 1:
        raise Unprocessable(f"seller {seller_id!r} is known on several platforms: name one "
                            "with ?platform_id=", code="platform_required")
    return platforms[0]


def seller_network(session: Session, platform_id: str, seller_id: str, cap: int) -> NetworkOut:
    """The sellers this seller shares rare photos or captions with on this platform."""
    if not repository.has_seller(session, platform_id, seller_id):
        raise NotFound(f"no seller {seller_id!r} seen on this platform",
                       code="seller_not_found")
    mine = repository.seller_prints(session, platform_id, seller_id, PRINTS_READ)
    mine_by_group: dict[int, NetworkPrint] = {}
    for p in mine:
        assert p.group_id is not None
        mine_by_group.setdefault(p.group_id, p)
    rare = rare_groups(session, list(mine_by_group), cap)
    shared: dict[str, set[int]] = defaultdict(set)
    for group_id, other in repository.co_members(session, rare, seller_id,
                                                 cap * len(rare) + 1):
        shared[other].add(group_id)
    linked_to = _linked_sellers(session, seller_id, shared, rare, cap)
    shared = {s: g for s, g in shared.items() if s in linked_to}
    confirmed = sellers_repository.confirmed_counts(session, platform_id, list(shared))
    ranked = sorted(shared, key=lambda s: (-confirmed.get(s, 0), -len(shared[s]), s))
    ranked = ranked[:LINKED_MAX]
    theirs: dict[str, list[NetworkPrint]] = defaultdict(list)
    for row in repository.group_prints(session, {g for s in ranked for g in shared[s]},
                                       set(ranked), EVIDENCE_READ):
        theirs[row.seller_id].append(row)
    linked = []
    for other in ranked:
        kinds = sorted({rare[g].kind for g in shared[other]}, key=[PHOTO, CAPTION].index)
        rows = theirs.get(other, [])
        times = [r.created_at for r in rows] + [mine_by_group[g].created_at
                                                for g in shared[other]]
        evidence = [EvidenceOut(kind=PHOTO if r.kind == PHOTO else CAPTION,
                                listing_id=mine_by_group[r.group_id].listing_id,
                                other_listing_id=r.listing_id,
                                photo_index=mine_by_group[r.group_id].photo_index,
                                distance=_distance(r.kind, mine_by_group[r.group_id], r))
                    for r in rows[:EVIDENCE_PER_LINK] if r.group_id is not None]
        linked.append(NetworkLinkOut(
            seller_id=other, kinds=kinds,
            shared_photos=sum(rare[g].kind == PHOTO for g in shared[other]),
            shared_captions=sum(rare[g].kind == CAPTION for g in shared[other]),
            confirmed_counterfeits=confirmed.get(other, 0),
            first_seen=min(times), last_seen=max(times), evidence=evidence))
    return NetworkOut(seller_id=seller_id, linked=linked, limits=NetworkLimitsOut(
        rare_max_sellers=cap, prints_read=PRINTS_READ, linked_max=LINKED_MAX,
        evidence_per_link=EVIDENCE_PER_LINK))


def network_of(session: Session, platform_id: str, seller_id: str,
               cap: int) -> NetworkOut | None:
    """The seller's network, None for a seller whose posts were never recorded."""
    try:
        return seller_network(session, platform_id, seller_id, cap)
    except NotFound:
        return None


def mark_catalog(session: Session, platform_id: str, listing_id: str,
                 photo_indexes: Sequence[int]) -> None:
    repository.mark_catalog(session, platform_id, listing_id, photo_indexes)
