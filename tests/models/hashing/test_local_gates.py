"""Acceptance of keypoint fits by the acceptance model: a shared detail (one brand word on
two products) gives many inliers but neither the photometric agreement nor the spread of a
copy, and both stages together accept what neither does alone."""

from __future__ import annotations

import random

import numpy as np
from PIL import Image, ImageDraw
from trustdata.copydetect.sources import load_font, product_shot

from models.hashing.acceptance import load_acceptance
from models.hashing.analysis import analyse_catalog, analyse_query
from models.hashing.local import LocalFeatures, Verified, catalog_features, query_features
from models.hashing.local_index import LocalIndex
from models.hashing.pair_evidence import distinct_alone
from models.hashing.pipeline import CatalogMatcher, Rules, unified_score

MODEL = load_acceptance()


def _alone(v: Verified) -> float:
    """The unified score of a fit with no other evidence and no other candidate."""
    return unified_score(None, v.inliers, v.agreement, spread=v.spread,
                         distinct=distinct_alone(None, v.inliers), context=v.context)


def _score(hash_score: float | None, inliers: int | None, agreement: float = 1.0,
           spread: float = 1.0) -> float:
    """The unified score of a pair the only one found for its query (its context: its
    whole agreement)."""
    return unified_score(hash_score, inliers, agreement, spread=spread,
                         distinct=distinct_alone(hash_score, inliers))


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


def _fit_on(matcher: CatalogMatcher, query: Image.Image, image_id: int = 0) -> Verified:
    evidence = analyse_query(query)
    assert evidence.local is not None
    [fit] = [v for v in matcher.local.verify(evidence.local, evidence.scale,
                                             Rules().fewest_inliers) if v.image_id == image_id]
    return fit


def test_shared_word_on_another_product_is_rejected_while_a_crop_is_accepted() -> None:
    photo = _with_word(503, (150, 300))
    matcher = _catalog_with(photo)
    other = _with_word(604, (120, 200))  # a different product, the same word and font
    fit = _fit_on(matcher, other)
    # The word alone gives as many inliers as a copy (agreeing, spread) would need...
    assert fit.inliers >= MODEL.inliers_alone(1.0, 0.2)
    # ...but the photometric check sees that the rest of the photo is not there.
    assert fit.agreement < 0.5 and _alone(fit) > 1.0
    assert matcher.match(analyse_query(other)) == []
    w, h = photo.size
    crop = photo.crop((int(w * .2), int(h * .2), int(w * .8), int(h * .8)))
    genuine = matcher.match(analyse_query(crop))
    assert [m.image_id for m in genuine] == [0]
    assert _fit_on(matcher, crop).agreement > 0.9  # a flat product need not spread much


def test_many_inliers_on_one_shared_word_are_not_enough() -> None:
    """More inliers than any copy needs, but all on the word: neither agreement nor spread."""
    matcher = _catalog_with(_with_word(505, (150, 300)))
    query = _with_word(606, (120, 200))
    fit = _fit_on(matcher, query)
    assert fit.inliers >= 2 * MODEL.inliers_alone(1.0, 0.2)
    assert fit.agreement < 0.5 and fit.spread < 0.03 and _alone(fit) > 1.0
    assert matcher.match(analyse_query(query)) == []


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


def test_both_stages_together_accept_what_neither_does_alone() -> None:
    bound = MODEL.hash_alone_bound()
    fit_needs = MODEL.inliers_alone(0.8, 0.2)
    assert bound is not None and fit_needs is not None
    weak_hash, weak_fit = bound + 2.0, fit_needs - 4
    assert _score(weak_hash, None) > 1.0  # neither stage alone accepts
    assert _score(None, weak_fit, 0.8, 0.2) > 1.0
    assert _score(weak_hash, weak_fit, 0.8, 0.2) <= 1.0  # together they do
    # Each stage alone still accepts at its own bound, whatever the other says.
    assert _score(bound, None) <= 1.0
    assert _score(None, fit_needs, 0.8, 0.2) <= 1.0
    assert np.isinf(unified_score(None, None))


def test_a_fit_in_a_sliver_of_the_photo_must_agree_more() -> None:
    # The seed-6 wrong pair: overlaid words sharing letters with another product's label,
    # 40 inliers within 0.66 % of the photo, agreement 0.79 (similar layouts agree); the
    # same fit spread over the photo is a copy.
    assert _score(None, 40, 0.79, 0.0066) > 1.0
    sliver, wide = MODEL.inliers_alone(0.79, 0.0066), MODEL.inliers_alone(0.79, 0.1)
    assert wide is not None and wide <= 60 and (sliver is None or sliver > wide)
    assert _score(None, wide, 0.79, 0.1) <= 1.0 < _score(None, wide, 0.79, 0.0066)


def test_a_shared_word_agrees_nowhere_away_from_the_word_while_a_copy_does() -> None:
    # The whole-photo agreement is led by the word when it holds most of the photo's
    # gradient energy; away from the inliers the other product does not agree, a copy does.
    photo = _with_word(503, (150, 300))
    matcher = _catalog_with(photo)
    word = _fit_on(matcher, _with_word(604, (120, 200)))
    w, h = photo.size
    copy = _fit_on(matcher, photo.crop((int(w * .1), int(h * .1), int(w * .9), int(h * .9))))
    mirrored = _fit_on(matcher, photo.transpose(Image.Transpose.FLIP_LEFT_RIGHT))
    assert mirrored.mirrored  # its inliers are in the mirror's frame, as its thumbnail
    assert word.context < 0.2 < 0.8 < min(copy.context, mirrored.context)
    assert word.context < word.agreement


def test_a_fit_with_nothing_textured_away_from_its_inliers_has_no_context() -> None:
    # One word on a flat card: every textured cell of the photo holds an inlier, so nothing
    # but the word itself can corroborate the fit (a logo on a plain product looks the same).
    # The whole agreement is the word's; the context must not stand in for the photo.
    card = Image.new("RGB", (640, 640), (200, 205, 210))
    ImageDraw.Draw(card).text((120, 280), "KALOMIRA", font=load_font(random.Random(7), 72),
                              fill=(20, 20, 20))
    fit = _fit_on(_catalog_with(card), card.resize((500, 500)))
    assert fit.agreement > 0.9
    assert fit.context == 0.0
