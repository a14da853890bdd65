"""Feature extraction from plain signals: values, missing-signal indicators, evidence."""

from __future__ import annotations

import numpy as np
import pytest

from models.risk import CaptionSignal, CaptionSpan, ImageMatch, ListingSignals, SellerSignal
from models.risk.features import (
    FEATURE_INDEX,
    FEATURES,
    canonical_category,
    extract_features,
    feature_matrix,
)


def value(signals: ListingSignals, name: str) -> float:
    return float(extract_features(signals).values[FEATURE_INDEX[name]])


CLEAN = ListingSignals(
    matches=(ImageMatch("p", "Vellora", 0.9, list_price=100.0, list_currency="CNY"),),
    photos_checked=2, caption=CaptionSignal(0.0), seller=SellerSignal(2 / 3, "bronze"),
    price=100.0, currency="CNY")


def test_a_clean_listing_is_the_all_zero_reference():
    assert not extract_features(CLEAN).values.any()


def test_every_feature_has_a_sign_and_a_reason():
    assert len({f.name for f in FEATURES}) == len(FEATURES)
    assert all(f.sign in (-1, 0, 1) and f.reason for f in FEATURES)


def test_missing_signals_raise_their_indicators():
    empty = ListingSignals()
    assert value(empty, "price_missing") == 1.0
    assert value(empty, "caption_missing") == 1.0
    assert value(empty, "seller_unknown") == 1.0
    assert value(empty, "matching_unavailable") == 1.0
    assert value(ListingSignals(photos_checked=3), "no_catalog_match") == 1.0
    assert value(ListingSignals(photos_checked=3), "matching_unavailable") == 0.0


def test_price_features_need_a_comparable_list_price():
    match = ImageMatch("p", "Vellora", 1.0, list_price=1000.0, list_currency="CNY")
    cny = ListingSignals(matches=(match,), photos_checked=1, price=200.0, currency="CNY")
    usd = ListingSignals(matches=(match,), photos_checked=1, price=200.0, currency="USD")
    assert value(cny, "price_below_list") == pytest.approx((0.9 - 0.2) / 0.9)
    assert value(cny, "price_far_below_list") == pytest.approx((0.5 - 0.2) / 0.5)
    assert value(usd, "price_below_list") == 0.0
    assert "price_below_list" not in extract_features(usd).evidence


def test_price_evidence_scales_with_match_confidence():
    def listing(confidence: float) -> ListingSignals:
        match = ImageMatch("p", "Vellora", confidence, list_price=1000.0)
        return ListingSignals(matches=(match,), photos_checked=1, price=100.0)
    assert value(listing(0.5), "price_far_below_list") == pytest.approx(
        0.5 * value(listing(1.0), "price_far_below_list"))


def test_authorization_is_per_brand_and_case_insensitive():
    match = ImageMatch("p", "Vellora ", 0.9, list_price=1000.0)
    base = ListingSignals(matches=(match,), photos_checked=1, price=100.0)
    authorized = ListingSignals(matches=(match,), photos_checked=1, price=100.0,
                                seller_authorized_brands=frozenset({"VELLORA"}))
    other = ListingSignals(matches=(match,), photos_checked=1, price=100.0,
                           seller_authorized_brands=frozenset({"Castel"}))
    assert value(authorized, "official_photo_authorized") == pytest.approx(0.9)
    assert value(authorized, "official_photo_unauthorized_below_list") == 0.0
    for unauthorized in (base, other):
        assert value(unauthorized, "official_photo_unauthorized_below_list") > 0.0
        assert value(unauthorized, "official_photo_authorized") == 0.0


def test_official_photo_with_hidden_price():
    match = ImageMatch("p", "Vellora", 0.8, list_price=1000.0)
    hidden = ListingSignals(matches=(match,), photos_checked=1, price=None)
    assert value(hidden, "official_photo_unauthorized_price_hidden") == pytest.approx(0.8)
    assert value(hidden, "price_missing") == 1.0


@pytest.mark.parametrize(("raw", "canonical"), [
    ("grade_slang", "quality_grade"), ("Quality-Grade", "quality_grade"),
    ("offplatform_contact", "off_platform_contact"), ("pinyin_evasion", "quality_grade"),
    ("legit_cue", "legit_cue"), ("neutral", None), ("brand_name", None)])
def test_lexicon_category_spellings(raw, canonical):
    assert canonical_category(raw) == canonical


def test_lexicon_terms_become_features_and_evidence():
    caption = CaptionSignal(0.6, (CaptionSpan("factory_claim", "原单"),
                                  CaptionSpan("offplatform_contact", "加v"),
                                  CaptionSpan("neutral", "包邮")))
    extracted = extract_features(ListingSignals(caption=caption))
    x = extracted.values
    assert x[FEATURE_INDEX["lex_factory_claim"]] == 1.0
    assert x[FEATURE_INDEX["lex_off_platform_contact"]] == 1.0
    assert x[FEATURE_INDEX["caption_probability"]] == pytest.approx(0.6)
    assert extracted.evidence["counterfeit_language"]["terms"] == {"factory_claim": ["原单"]}
    assert extracted.evidence["off_platform_contact"]["terms"] == ["加v"]


def test_seller_features_saturate_and_stay_in_unit_range():
    many = SellerSignal(0.0, "warning", confirmed_counterfeits=50, counterfeit_reports=500)
    x = extract_features(ListingSignals(seller=many)).values
    assert x[FEATURE_INDEX["seller_confirmed_counterfeits"]] == 1.0
    assert x[FEATURE_INDEX["seller_low_reputation"]] == 1.0
    assert x[FEATURE_INDEX["seller_warning_tier"]] == 1.0
    good = extract_features(ListingSignals(seller=SellerSignal(1.0, "gold"))).values
    assert good[FEATURE_INDEX["seller_good_reputation"]] == 1.0
    assert good[FEATURE_INDEX["seller_low_reputation"]] == 0.0


def test_feature_matrix_matches_single_extraction():
    batch = [CLEAN, ListingSignals(), ListingSignals(photos_checked=1, price=5.0)]
    matrix = feature_matrix(batch)
    assert matrix.shape == (3, len(FEATURES))
    for row, signals in zip(matrix, batch, strict=True):
        np.testing.assert_array_equal(row, extract_features(signals).values)
    assert feature_matrix([]).shape == (0, len(FEATURES))
