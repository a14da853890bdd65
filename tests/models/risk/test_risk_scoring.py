"""Scoring outcomes, reasons and thresholds of the listing risk scorer."""

from __future__ import annotations

import math

import pytest

from models import thresholds as th
from models.risk import (
    REASON_CODES,
    CaptionSignal,
    CaptionSpan,
    RiskThresholds,
    SellerSignal,
    decide,
    risk_level,
    score_listing,
)
from models.risk.features import FEATURES, extract_features


def test_official_photo_at_a_fifth_of_list_by_unauthorized_seller_is_blocked(
        risk_model, make_listing):
    assessment = score_listing(make_listing(price_ratio=0.2, authorized=False), risk_model)
    assert assessment.decision == "block"
    assert assessment.level == "high"
    codes = [r.code for r in assessment.reasons]
    raising = [r.code for r in assessment.reasons if r.contribution > 0]
    # The pattern itself carries the score: photo + price reasons lead the list.
    assert set(raising[:3]) == {"official_photo_unauthorized_seller", "price_below_list",
                                "price_far_below_list"}
    assert "authorized_reseller" not in codes
    photo = next(r for r in assessment.reasons if r.code == "official_photo_unauthorized_seller")
    assert photo.evidence["catalog_image_id"] == "cat-img-17"
    assert photo.evidence["seller_authorized"] is False
    price = next(r for r in assessment.reasons if r.code == "price_far_below_list")
    assert price.evidence["ratio"] == pytest.approx(0.2)
    assert price.evidence["list_price"] == 12_000.0


def test_same_photo_by_authorized_seller_at_list_price_is_allowed(risk_model, make_listing):
    assessment = score_listing(make_listing(price_ratio=1.0, authorized=True), risk_model)
    assert assessment.decision == "allow"
    assert assessment.level == "low"
    codes = {r.code for r in assessment.reasons}
    assert not codes & {"official_photo_unauthorized_seller", "price_below_list",
                        "price_far_below_list"}
    authorized = next(r for r in assessment.reasons if r.code == "authorized_reseller")
    assert authorized.contribution < 0
    assert authorized.evidence["product_id"] == "vellora-bag-001"


def test_counterfeit_caption_and_record_give_their_reasons(risk_model, make_listing):
    listing = make_listing(
        price_ratio=0.9,
        caption=CaptionSignal(0.97, (CaptionSpan("grade_slang", "高仿", 0, 2),
                                     CaptionSpan("brand_nickname", "驴牌", 3, 5))),
        seller=SellerSignal(score=0.2, tier="warning", confirmed_counterfeits=3,
                            counterfeit_reports=4, feedback_count=40),
    )
    assessment = score_listing(listing, risk_model)
    codes = {r.code for r in assessment.reasons if r.contribution > 0}
    assert {"counterfeit_language", "brand_nickname", "seller_confirmed_counterfeits",
            "seller_low_reputation"} <= codes
    language = next(r for r in assessment.reasons if r.code == "counterfeit_language")
    assert language.evidence["terms"] == {"quality_grade": ["高仿"]}
    assert assessment.decision == "block"


def test_contributions_add_up_to_the_logit(risk_model, make_listing):
    listing = make_listing(price_ratio=0.35, seller=None)
    assessment = score_listing(listing, risk_model)
    total = sum(risk_model.contributions(extract_features(listing).values))
    assert assessment.base_logit + total == pytest.approx(assessment.logit)
    assert assessment.risk == pytest.approx(1 / (1 + math.exp(-assessment.logit)))
    listed = sum(r.contribution for r in assessment.reasons)
    omitted = len({f.reason for f in FEATURES}) - len(assessment.reasons)
    assert abs(listed - total) <= omitted * th.RISK_REASON_MIN_ABS_CONTRIBUTION + 1e-3


def test_reasons_are_sorted_known_and_unique(risk_model, make_listing):
    assessment = score_listing(make_listing(price_ratio=0.3, seller=None, caption=None),
                               risk_model)
    contributions = [r.contribution for r in assessment.reasons]
    assert contributions == sorted(contributions, reverse=True)
    codes = [r.code for r in assessment.reasons]
    assert len(codes) == len(set(codes))
    assert set(codes) <= set(REASON_CODES)
    assert {"seller_unknown", "caption_missing"} <= set(codes)


def test_platform_thresholds_override_the_decision(risk_model, make_listing):
    listing = make_listing(price_ratio=0.2, authorized=False)
    default = score_listing(listing, risk_model)
    strict = score_listing(listing, risk_model, RiskThresholds(review=0.1, block=0.999))
    assert default.risk == strict.risk
    assert (default.decision, strict.decision) == ("block", "review")
    assert strict.level == default.level  # levels are not per platform
    lenient = score_listing(make_listing(price_ratio=1.0, authorized=True), risk_model,
                            RiskThresholds(review=0.0, block=1.0))
    assert lenient.decision == "review"


@pytest.mark.parametrize(("review", "block"), [(0.6, 0.5), (-0.1, 0.5), (0.5, 1.2)])
def test_inconsistent_thresholds_are_refused(review, block):
    with pytest.raises(ValueError, match="thresholds"):
        RiskThresholds(review=review, block=block)


def test_level_and_decision_boundaries_follow_thresholds():
    assert risk_level(th.RISK_LEVEL_MEDIUM_AT - 1e-9) == "low"
    assert risk_level(th.RISK_LEVEL_MEDIUM_AT) == "medium"
    assert risk_level(th.RISK_LEVEL_HIGH_AT) == "high"
    assert decide(th.RISK_REVIEW_AT - 1e-9) == "allow"
    assert decide(th.RISK_REVIEW_AT) == "review"
    assert decide(th.RISK_BLOCK_AT) == "block"


def test_to_dict_is_plain_json_data(risk_model, make_listing):
    data = score_listing(make_listing(price_ratio=0.2), risk_model).to_dict()
    assert set(data) == {"risk", "level", "decision", "reasons", "model_version"}
    assert data["model_version"] == risk_model.version
    assert all(set(r) == {"code", "contribution", "evidence"} for r in data["reasons"])
