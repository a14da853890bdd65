"""Colour-confirmed matches through the service: stored layouts, the API, the listing stage."""

from __future__ import annotations

from PIL import Image, ImageFilter
from trustdata.copydetect.sources import product_shot

from service.images.gate import decode_image
from service.listings.photos import CatalogPhotoMatcher
from service.matching.service import gate_side, match_decoded
from tests.service.matching.conftest import jpeg
from tests.service.matching.test_match_api import match

# Plain product shots that, blurred this hard, are found only with the colour layout's
# evidence (tests/models/hashing/test_colour_layout.py scans them without it).
FLAT_SEEDS = (501, 517)
CATALOG_SEEDS = sorted({*range(500, 508), *FLAT_SEEDS})  # with look-alike products


def _blurred(seed: int) -> Image.Image:
    return product_shot(seed, size=640).filter(ImageFilter.GaussianBlur(6))


def test_blurred_flat_products_match_through_the_api(client, api_keys, enrol) -> None:
    enrolled = {seed: enrol(product_shot(seed, size=640))[1] for seed in CATALOG_SEEDS}
    results = match(client, api_keys.platform, *(_blurred(s) for s in FLAT_SEEDS))
    for seed, result in zip(FLAT_SEEDS, results, strict=True):
        assert result["best"] is not None, seed
        assert [m["image_id"] for m in result["matches"]] == [enrolled[seed]]


def test_the_listing_deep_stage_applies_the_colour_rule(client, enrol) -> None:
    enrolled = {seed: enrol(product_shot(seed, size=640))[1] for seed in CATALOG_SEEDS}
    state = client.app.state.trust  # type: ignore[attr-defined]
    decoded = [decode_image(jpeg(_blurred(s)), state.image_limits, i, gate_side(True))
               for i, s in enumerate(FLAT_SEEDS)]
    with state.session_factory() as session:
        keypoints_only = match_decoded(state.matching.get(), session, decoded,
                                        state.settings.matching_sync_seconds, hash_stage=False)
        deep = CatalogPhotoMatcher(state, state.matching).match(session, decoded, "local")
    # Keypoints alone are too weak here; the deep stage adds the hash evidence and layout.
    assert all(r.best is None for r in keypoints_only)
    assert [[m.catalog_image_id for m in found] for found in deep] == \
        [[enrolled[s]] for s in FLAT_SEEDS]
