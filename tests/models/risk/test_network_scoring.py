"""The served model on the supplier-network signals: what a banked photo or a link to a
confirmed counterfeit does to a listing's risk, decision, reasons and block grounds."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from models import thresholds as th
from models.risk import (
    DEFAULT_THRESHOLDS,
    CaptionSignal,
    ImageMatch,
    ListingSignals,
    SellerSignal,
    score_listing,
)
from models.risk.features import FEATURE_INDEX, extract_features
from models.risk.scoring import (
    KNOWN_PHOTO_NEEDS_REVIEW,
    block_grounds,
    decide,
    known_photo_floor,
)
from models.risk.signals import BankMatch, LinkedCounterfeit, SellerLink

BANKED = BankMatch(entry_id="e-7", confidence=0.95, bank="platform", photo_index=1,
                   review_item_id="4100231", decided_at="2024-05-30T08:12:00+00:00")
LINK = SellerLink(seller="p-3f2a", kind="photo", shared=2, confirmed_counterfeits=2,
                  listing_id="p-3f2a-l017")
# Otherwise clean: the model's reference listing (every signal present, the product
# identified and offered at list price by a seller of neutral standing, nothing suspicious),
# and the usual shape of a reposted photo: the seller's own photos (no catalog match), a
# plain caption, an ordinary price, a new seller.
REFERENCE = ListingSignals(
    matches=(ImageMatch("p", "Vellora", 0.9, list_price=800.0, list_currency="CNY",
                        photo_index=0),),
    photos_checked=3, caption=CaptionSignal(0.0), seller=SellerSignal(2 / 3, "bronze"),
    price=800.0, currency="CNY")
OWN_PHOTOS_NEW_SELLER = ListingSignals(
    photos_checked=3, caption=CaptionSignal(0.08), seller=SellerSignal(2 / 3, "new"),
    price=380.0, currency="CNY")
CLEAN = {"reference listing": REFERENCE, "own photos, new seller": OWN_PHOTOS_NEW_SELLER}


@pytest.mark.parametrize("name", sorted(CLEAN))
def test_a_confident_bank_match_on_a_clean_listing_reaches_review(risk_model, name) -> None:
    clean = CLEAN[name]
    values = extract_features(clean).values
    assert values[FEATURE_INDEX["known_counterfeit_photo"]] == 0.0
    assert values[FEATURE_INDEX["caption_probability"]] <= 0.1
    before = score_listing(clean, risk_model)
    after = score_listing(replace(clean, bank_matches=(BANKED,)), risk_model)
    assert before.decision == "allow"
    assert after.risk > before.risk
    assert after.decision in ("review", "block")
    reason = next(r for r in after.reasons if r.code == "known_counterfeit_photo")
    assert reason.contribution > 0
    assert reason.evidence["review_item_id"] == "4100231"
    assert reason.evidence["entry_id"] == "e-7"
    # Below the review threshold the floor rule says why a person sees it.
    floor = [r for r in after.reasons if r.code == KNOWN_PHOTO_NEEDS_REVIEW]
    assert bool(floor) == (after.risk < DEFAULT_THRESHOLDS.review)
    if floor:
        assert floor[0].evidence["entry_id"] == "e-7"


def test_an_unsure_bank_match_only_adds_its_weight(risk_model) -> None:
    unsure = replace(BANKED, confidence=th.RISK_KNOWN_PHOTO_REVIEW_CONFIDENCE - 0.01)
    listing = replace(OWN_PHOTOS_NEW_SELLER, bank_matches=(unsure,))
    scored = score_listing(listing, risk_model)
    assert known_photo_floor(listing) is None
    assert scored.risk > score_listing(OWN_PHOTOS_NEW_SELLER, risk_model).risk
    assert scored.decision == decide(scored.risk)
    assert KNOWN_PHOTO_NEEDS_REVIEW not in {r.code for r in scored.reasons}


def test_a_link_to_a_confirmed_counterfeit_raises_risk_with_its_evidence(risk_model) -> None:
    linked = replace(OWN_PHOTOS_NEW_SELLER, linked_counterfeit=LinkedCounterfeit(0.8, (LINK,)))
    before = score_listing(OWN_PHOTOS_NEW_SELLER, risk_model)
    after = score_listing(linked, risk_model)
    assert after.risk > before.risk
    reason = next(r for r in after.reasons if r.code == "linked_to_confirmed_counterfeit")
    assert reason.contribution > 0
    assert reason.evidence["links"][0]["seller"] == "p-3f2a"


def test_a_banked_photo_grounds_a_block_a_link_does_not(risk_model) -> None:
    # Wording alone: held at review however high the risk.
    wording = ListingSignals(photos_checked=2, caption=CaptionSignal(0.99),
                             seller=SellerSignal(0.2, "warning", counterfeit_reports=3,
                                                 feedback_count=10))
    linked = replace(wording, linked_counterfeit=LinkedCounterfeit(0.9, (LINK,)))
    banked = replace(wording, bank_matches=(BANKED,))
    assert score_listing(linked, risk_model).risk >= DEFAULT_THRESHOLDS.block
    assert score_listing(linked, risk_model).decision == "review"
    assert score_listing(banked, risk_model).decision == "block"
    assert block_grounds(banked, score_listing(banked, risk_model).features) == \
        "known_counterfeit_photo"


def test_network_signals_never_lower_risk_and_grow_with_their_strength(risk_model) -> None:
    rng = random.Random(21)
    for _ in range(100):
        listing = ListingSignals(
            photos_checked=rng.randint(0, 9),
            caption=CaptionSignal(rng.random()) if rng.random() < 0.9 else None,
            seller=SellerSignal(rng.random(), rng.choice(["new", "bronze", "gold"]))
            if rng.random() < 0.9 else None,
            price=rng.uniform(10, 5000) if rng.random() < 0.8 else None)
        risks = [score_listing(listing, risk_model).risk]
        for confidence in (0.2, 0.6, 0.99):
            risks.append(score_listing(replace(listing, bank_matches=(
                replace(BANKED, confidence=confidence),)), risk_model).risk)
        assert risks == sorted(risks)
        risks = [score_listing(listing, risk_model).risk]
        for strength in (0.1, 0.5, 1.0):
            risks.append(score_listing(replace(listing, linked_counterfeit=LinkedCounterfeit(
                strength, (LINK,))), risk_model).risk)
        assert risks == sorted(risks)
