from __future__ import annotations

from models.networks.strength import link_evidence, link_strength
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
