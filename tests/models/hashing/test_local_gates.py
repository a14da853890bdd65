"""Acceptance rules of the matcher: the photometric gate and the joint (two-stage) rule."""

from __future__ import annotations

import random

import numpy as np
from PIL import Image, ImageDraw
from trustdata.copydetect.sources import load_font, product_shot

from models.hashing.local import LocalFeatures, catalog_features, query_features
from models.hashing.local_index import LocalIndex
from models.hashing.pipeline import (
    CatalogMatcher,
    Rules,
    analyse_catalog,
    analyse_query,
    unified_score,
)
from models.thresholds import (
    LOCAL_JOINT_MIN_INLIERS,
    LOCAL_MIN_AGREEMENT,
    LOCAL_MIN_INLIERS,
    LOCAL_SLIVER_MIN_AGREEMENT,
    LOCAL_SLIVER_SPREAD,
    LOCAL_UNCHECKED_MIN_INLIERS,
    LOCAL_UNCHECKED_MIN_SPREAD,
    MATCH_HASH_MAX_SCORE,
    MATCH_JOINT_HASH_MAX_SCORE,
)


def _with_word(seed: int, at: tuple[int, int]) -> Image.Image:
    """A generated product shot with one brand word printed on it (same word, same font)."""
    img = product_shot(seed, size=640)
    ImageDraw.Draw(img).text(at, "KALOMIRA", font=load_font(random.Random(7), 56),
                             fill=(20, 20, 20))
    return img


def _catalog_with(photo: Image.Image) -> CatalogMatcher:
    matcher = CatalogMatcher()
    for i, img in enumerate([photo] + [product_shot(700 + i, size=480) for i in range(1, 6)]):
        evidence = analyse_catalog(img)
        matcher.enroll(i, evidence.hashes, evidence.local)
    return matcher


def test_shared_word_on_another_product_is_rejected_while_a_crop_is_accepted() -> None:
    photo = _with_word(503, (150, 300))
    matcher = _catalog_with(photo)
    other = _with_word(604, (120, 200))  # a different product, the same word and font
    query = analyse_query(other)
    assert query.local is not None
    fits = {f.image_id: f for f in matcher.local.fits(query.local)}
    # Without the photometric gate this would be a match: the word alone gives enough
    # inliers (but fewer than a fit that skips the gate needs)...
    assert LOCAL_MIN_INLIERS <= fits[0].inliers < LOCAL_UNCHECKED_MIN_INLIERS
    # ...but the gate sees that the rest of the photo is not there.
    [checked] = matcher.local.verify(query.local, query.scale, LOCAL_MIN_INLIERS)
    assert checked.image_id == 0 and checked.agreement < LOCAL_MIN_AGREEMENT
    assert matcher.match(query) == []
    w, h = photo.size
    crop = photo.crop((int(w * .2), int(h * .2), int(w * .8), int(h * .8)))
    genuine = matcher.match(analyse_query(crop))
    assert [m.image_id for m in genuine] == [0]
    [fit] = matcher.local.verify(*query_features(crop), LOCAL_MIN_INLIERS)
    assert fit.agreement > 0.9  # accepted by the gate: a flat product need not spread


def test_many_inliers_on_one_shared_word_are_not_enough_without_the_gate() -> None:
    """A fit failing the gate needs its inliers spread over the photo, not only many."""
    matcher = _catalog_with(_with_word(505, (150, 300)))
    query = analyse_query(_with_word(606, (120, 200)))
    assert query.local is not None
    [fit] = [v for v in matcher.local.verify(query.local, query.scale, LOCAL_MIN_INLIERS)
             if v.image_id == 0]
    # Enough inliers for the ungated path, and the gate fails, but all on the word:
    assert fit.inliers >= LOCAL_UNCHECKED_MIN_INLIERS and fit.agreement < LOCAL_MIN_AGREEMENT
    assert fit.spread < LOCAL_UNCHECKED_MIN_SPREAD
    assert matcher.match(query) == []


def test_flat_photo_without_keypoints_round_trips() -> None:
    """A featureless catalog photo stores zero keypoints and must load back (start-up)."""
    flat = Image.new("RGB", (480, 480), (240, 240, 240))
    features = catalog_features(flat)
    assert len(features) == 0
    back = LocalFeatures.from_bytes(features.to_bytes())
    assert len(back) == 0 and back.descriptors.shape == (0, 32)
    index = LocalIndex()
    index.enroll(0, back)
    assert index.verify(*query_features(flat)) == []


def test_joint_rule_needs_both_stages_on_the_same_image() -> None:
    rules = Rules()
    weak_hash = (MATCH_HASH_MAX_SCORE + MATCH_JOINT_HASH_MAX_SCORE) / 2
    weak_fit = (LOCAL_JOINT_MIN_INLIERS + LOCAL_MIN_INLIERS) // 2
    ok = LOCAL_MIN_AGREEMENT  # a fit that passes the photometric gate
    assert MATCH_HASH_MAX_SCORE < weak_hash <= MATCH_JOINT_HASH_MAX_SCORE
    assert LOCAL_JOINT_MIN_INLIERS <= weak_fit < LOCAL_MIN_INLIERS
    assert unified_score(weak_hash, None, rules=rules) > 1.0  # neither stage alone accepts
    assert unified_score(None, weak_fit, ok, rules) > 1.0
    assert unified_score(weak_hash, weak_fit, ok, rules) <= 1.0  # together they do
    assert unified_score(MATCH_JOINT_HASH_MAX_SCORE + 0.5, weak_fit, ok, rules) > 1.0
    assert unified_score(weak_hash, LOCAL_JOINT_MIN_INLIERS - 1, ok, rules) > 1.0
    # A fit that fails the photometric gate never joins the joint rule.
    assert unified_score(weak_hash, weak_fit, ok - 0.01, rules) > 1.0
    # Each stage alone still accepts at its own threshold, whatever the other says.
    assert unified_score(MATCH_HASH_MAX_SCORE, None, rules=rules) <= 1.0
    assert unified_score(40.0, LOCAL_MIN_INLIERS, ok, rules) <= 1.0
    assert np.isinf(unified_score(None, None, rules=rules))


def test_unchecked_fit_needs_more_inliers_and_spread() -> None:
    rules = Rules()
    failing = LOCAL_MIN_AGREEMENT - 0.01
    wide, narrow = LOCAL_UNCHECKED_MIN_SPREAD, LOCAL_UNCHECKED_MIN_SPREAD - 0.01
    assert LOCAL_MIN_INLIERS < LOCAL_UNCHECKED_MIN_INLIERS
    assert unified_score(None, LOCAL_MIN_INLIERS, LOCAL_MIN_AGREEMENT, rules, narrow) <= 1.0
    assert unified_score(None, LOCAL_UNCHECKED_MIN_INLIERS - 1, failing, rules, wide) > 1.0
    assert unified_score(None, LOCAL_UNCHECKED_MIN_INLIERS, failing, rules, wide) <= 1.0
    assert unified_score(None, 10 * LOCAL_UNCHECKED_MIN_INLIERS, failing, rules, narrow) > 1.0


def test_a_fit_in_a_sliver_of_the_photo_must_agree_more() -> None:
    # The seed-6 wrong pair: overlaid words sharing letters with another product's label,
    # 40 inliers within 0.66 % of the photo, agreement 0.79 (similar layouts agree).
    rules = Rules()
    many = max(40, LOCAL_MIN_INLIERS)
    sliver, wide = LOCAL_SLIVER_SPREAD * 0.66, LOCAL_SLIVER_SPREAD
    fair, strong = LOCAL_SLIVER_MIN_AGREEMENT - 0.01, LOCAL_SLIVER_MIN_AGREEMENT
    assert fair >= LOCAL_MIN_AGREEMENT
    assert rules.gated(fair, wide) and not rules.gated(fair, sliver)
    assert rules.gated(strong, sliver)
    assert unified_score(None, many, fair, rules, sliver) > 1.0
    assert unified_score(None, many, fair, rules, wide) <= 1.0
    assert unified_score(None, many, strong, rules, sliver) <= 1.0  # a label, near-perfect
    # Nor does a fairly agreeing sliver join the joint rule.
    weak_hash = (MATCH_HASH_MAX_SCORE + MATCH_JOINT_HASH_MAX_SCORE) / 2
    assert unified_score(weak_hash, LOCAL_MIN_INLIERS - 1, fair, rules, sliver) > 1.0
    assert unified_score(weak_hash, LOCAL_MIN_INLIERS - 1, fair, rules, wide) <= 1.0
