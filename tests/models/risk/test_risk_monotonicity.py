"""Monotonicity properties of the shipped model over seeded random listings.

Whatever the rest of the listing looks like, more evidence of counterfeiting never lowers
the risk and evidence of legitimacy never raises it.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from dataclasses import replace

import pytest

from models.risk import (
    CaptionSignal,
    CaptionSpan,
    ImageMatch,
    ListingSignals,
    SellerSignal,
    score_listing,
)
from models.risk.features import LEXICON_CATEGORIES

RISKY_CATEGORIES = [c for c in LEXICON_CATEGORIES if c != "legit_cue"]
N_LISTINGS = 150


def random_listing(rng: random.Random) -> ListingSignals:
    matches: tuple[ImageMatch, ...] = ()
    if rng.random() < 0.7:
        matches = (ImageMatch("p", rng.choice(["Vellora", "Castel"]), rng.uniform(0.3, 1.0),
                              "img", list_price=rng.uniform(100, 20_000), list_currency="CNY"),)
    caption = None
    if rng.random() < 0.9:
        spans = tuple(CaptionSpan(c, c) for c in LEXICON_CATEGORIES if rng.random() < 0.2)
        caption = CaptionSignal(rng.random(), spans)
    seller = None
    if rng.random() < 0.85:
        seller = SellerSignal(rng.random(), rng.choice(["new", "bronze", "silver", "gold"]),
                              rng.randint(0, 3), rng.randint(0, 12), rng.randint(0, 100))
    return ListingSignals(
        matches=matches,
        photos_checked=rng.randint(1, 9),
        caption=caption,
        seller=seller,
        price=rng.uniform(10, 20_000) if rng.random() < 0.9 else None,
        currency="CNY",
        seller_authorized_brands=frozenset({"Vellora"} if rng.random() < 0.3 else ()),
    )


def listings() -> list[ListingSignals]:
    rng = random.Random(1234)
    return [random_listing(rng) for _ in range(N_LISTINGS)]


def _lower_price(s: ListingSignals) -> ListingSignals:
    return replace(s, price=s.price * 0.5) if s.price is not None else s


def _more_caption_probability(s: ListingSignals) -> ListingSignals:
    if s.caption is None:
        return s
    p = s.caption.probability
    return replace(s, caption=replace(s.caption, probability=p + (1 - p) * 0.5))


def _add_risky_terms(s: ListingSignals) -> ListingSignals:
    if s.caption is None:
        return s
    extra = tuple(CaptionSpan(c, c) for c in RISKY_CATEGORIES)
    return replace(s, caption=replace(s.caption, spans=s.caption.spans + extra))


def _more_confirmed(s: ListingSignals) -> ListingSignals:
    if s.seller is None:
        return s
    return replace(s, seller=replace(s.seller, confirmed_counterfeits=s.seller.confirmed_counterfeits + 1,
                                     counterfeit_reports=s.seller.counterfeit_reports + 2))


def _worse_reputation(s: ListingSignals) -> ListingSignals:
    return replace(s, seller=replace(s.seller, score=s.seller.score * 0.5)) if s.seller else s


def _warning_tier(s: ListingSignals) -> ListingSignals:
    return replace(s, seller=replace(s.seller, tier="warning")) if s.seller else s


def _revoke_authorization(s: ListingSignals) -> ListingSignals:
    return replace(s, seller_authorized_brands=frozenset())


def _raise_unauthorized_match_confidence(s: ListingSignals) -> ListingSignals:
    if not s.matches or s.seller_authorized_brands:
        return s
    m = s.matches[0]
    return replace(s, matches=(replace(m, confidence=m.confidence + (1 - m.confidence) / 2),))


RAISING: dict[str, Callable[[ListingSignals], ListingSignals]] = {
    "lower price": _lower_price,
    "higher caption probability": _more_caption_probability,
    "counterfeit terms": _add_risky_terms,
    "more confirmed counterfeits and reports": _more_confirmed,
    "worse reputation": _worse_reputation,
    "warning tier": _warning_tier,
    "seller loses brand authorization": _revoke_authorization,
    "surer official photo match, unauthorized seller": _raise_unauthorized_match_confidence,
}


@pytest.mark.parametrize("change", list(RAISING), ids=list(RAISING))
def test_counterfeit_evidence_never_lowers_risk(risk_model, change):
    changed = 0
    for listing in listings():
        before = score_listing(listing, risk_model).risk
        after = score_listing(RAISING[change](listing), risk_model).risk
        assert after >= before - 1e-12, change
        changed += after > before + 1e-9
    assert changed > 0, f"{change} never moved the risk: the property is not exercised"


def test_legitimacy_cues_never_raise_risk(risk_model):
    moved = 0
    for listing in listings():
        if listing.caption is None:
            continue
        cue = replace(listing, caption=replace(
            listing.caption, spans=(*listing.caption.spans, CaptionSpan("legit_cue", "收据"))))
        before, after = (score_listing(s, risk_model).risk for s in (listing, cue))
        assert after <= before + 1e-12
        moved += after < before - 1e-9
    assert moved > 0


def test_risk_is_monotone_along_the_price_ratio(risk_model, make_listing):
    risks = [score_listing(make_listing(price_ratio=r / 20), risk_model).risk
             for r in range(1, 25)]
    assert all(a >= b for a, b in itertools.pairwise(risks))
    assert risks[0] > risks[-1]
