"""A block needs grounds beyond the caption's wording (scoring.block_grounds)."""

from __future__ import annotations

import pytest

from models.risk import CaptionSignal, CaptionSpan, ImageMatch, ListingSignals, SellerSignal, score_listing
from models.risk.scoring import BLOCK_NEEDS_GROUNDS, RiskThresholds
from models.risk.signals import BrandPriceSignal

WORDS = (CaptionSpan("factory_claim", "原单"), CaptionSpan("brand_nickname", "香奶奶"),
         CaptionSpan("offplatform_contact", "加v"), CaptionSpan("price_hiding", "私聊"))
SHADY_SELLER = SellerSignal(0.2, "warning", counterfeit_reports=3, feedback_count=10)


def listing(spans=WORDS, probability=0.99, **extra) -> ListingSignals:
    return ListingSignals(photos_checked=2, caption=CaptionSignal(probability, spans),
                          seller=SHADY_SELLER, **extra)


def test_wording_alone_is_held_at_review_however_high_the_risk(risk_model) -> None:
    scored = score_listing(listing(), risk_model)
    assert scored.risk >= RiskThresholds().block  # the model alone would block
    assert scored.decision == "review"
    assert scored.reasons[-1].code == BLOCK_NEEDS_GROUNDS


def test_explicit_language_read_as_counterfeit_grounds_a_block(risk_model) -> None:
    explicit = listing(spans=(*WORDS, CaptionSpan("grade_slang", "高仿")))
    assert score_listing(explicit, risk_model).decision == "block"
    # The same words where the caption model reads them as innocent do not.
    doubted = listing(spans=(*WORDS, CaptionSpan("grade_slang", "A货")), probability=0.3)
    assert score_listing(doubted, risk_model).decision != "block"


def test_a_brand_far_below_its_genuine_floor_grounds_a_block(risk_model) -> None:
    gap = BrandPriceSignal("Chanel", "bag", 300, "CNY", 2000, 0.02)
    assert score_listing(listing(brand_price=gap), risk_model).decision == "block"
    near = BrandPriceSignal("Chanel", "bag", 9000, "CNY", 2000, 0.63)
    assert score_listing(listing(brand_price=near), risk_model).decision == "review"


@pytest.mark.parametrize("grounds", ["official_photo", "confirmed_counterfeits"])
def test_photo_and_seller_evidence_ground_a_block(risk_model, grounds) -> None:
    if grounds == "official_photo":
        extra = {"matches": (ImageMatch("p1", "Chanel", 0.98, "i1", 8000, "USD", 0),),
                 "price": 800.0, "currency": "USD"}
        signals = listing(**extra)
    else:
        signals = ListingSignals(photos_checked=2, caption=CaptionSignal(0.99, WORDS),
                                 seller=SellerSignal(0.1, "warning", confirmed_counterfeits=4,
                                                     feedback_count=10))
    assert score_listing(signals, risk_model).decision == "block"
