from __future__ import annotations

from models.networks.strength import brand_words, is_link, link_evidence, link_strength
from models.risk.signals import SellerLink


def link(kind: str = "photo", shared: int = 1, confirmed: int = 1) -> SellerLink:
    return SellerLink(seller="s", kind=kind, shared=shared, confirmed_counterfeits=confirmed)


def test_no_links_no_strength() -> None:
    assert link_strength([]) == 0.0
    assert link_evidence("photo", 0, 3) == 0.0
    assert link_evidence("photo", 3, 0) == 0.0


def test_one_photo_one_confirmed() -> None:
    assert link_strength([link()]) == 0.25


def test_increasing_in_shared_confirmed_and_links() -> None:
    base = link_strength([link()])
    assert link_strength([link(shared=2)]) > base
    assert link_strength([link(confirmed=2)]) > base
    assert link_strength([link(), link()]) > base
    assert link_strength([link(kind="caption")]) < base


def test_bounded_and_saturating() -> None:
    values = [link_strength([link(shared=9, confirmed=9)] * n) for n in range(1, 200, 10)]
    assert all(0.0 <= v <= 1.0 for v in values)
    assert values == sorted(values)
    assert values[-1] - values[-2] < 1e-3  # saturated
    assert link_strength([link(shared=1000, confirmed=1000)]) == 0.9  # one link is one record
    assert link_strength([link(shared=1000, confirmed=1000)] * 1000) == 1.0


def test_a_specific_photo_links_and_weak_evidence_needs_company() -> None:
    cap = 50
    assert is_link([("photo", 2, True)], cap) and is_link([("photo", 25, True)], cap)
    assert not is_link([("photo", 26, True)], cap)  # over half the cap: weak
    assert not is_link([("photo", 2, False)], cap)  # not close copies: weak
    assert not is_link([("caption", 2, False)], cap)
    assert not is_link([("caption", 2, False), ("caption", 3, False)], cap)
    assert is_link([("caption", 2, False), ("caption", 3, False), ("photo", 40, True)], cap)
    assert is_link([("caption", 2, False), ("photo", 3, False), ("photo", 9, False)], cap)
    assert is_link([("caption", 9, False), ("photo", 3, True)], cap)
    # a loose copy of a rare photo is two weak pieces: with a caption or another, a link
    assert is_link([("photo", 2, False), ("caption", 4, False)], cap)
    assert is_link([("photo", 2, False), ("photo", 7, False)], cap)
    assert not is_link([("photo", 30, False), ("caption", 4, False)], cap)
    assert not is_link([], cap)


def test_a_caption_is_the_brands_words_when_most_of_its_sellers_post_it_beside_the_catalog(
        ) -> None:
    assert brand_words(6, 6) and brand_words(3, 2)
    assert not brand_words(2, 1)  # half: a supplier's caption an agent put by an official photo
    assert not brand_words(25, 3) and not brand_words(4, 0)
    assert not brand_words(0, 0)
