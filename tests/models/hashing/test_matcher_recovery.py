"""End to end on generated fixtures: mirrored, gridded and screenshotted reposts of enrolled
photos match their catalog image through the hash stage alone; never-enrolled photos match
nothing. A catalog enrols no rotated views (models/hashing/views.py): its rotated reposts are
the keypoint stage's (tests/service/matching/test_match_api.py finds them end to end); a
hash-only search (``standalone``, the bank) enrols them and finds them by hashes."""

from __future__ import annotations

import io
import random

import pytest
from augly.image import functional as augly_f
from PIL import Image
from trustdata.copydetect import layouts

from models.hashing.decode import decode_for_matching
from models.hashing.matcher import Matcher, enrollment_hashes
from models.hashing.views import WORK_SIDE, enrollment_views

# The hash stage alone accepts at this pair score here: below the first false match of the
# seed-0 and seed-1 dev splits (reports/matching/HISTORY.md), looser than the committed
# rules, which add the local stage (models/hashing/pipeline.py).
MAX_SCORE = 11.0


@pytest.fixture(scope="module")
def catalog(astronaut: Image.Image, coffee: Image.Image,
            products: list[Image.Image]) -> tuple[Matcher, list[Image.Image]]:
    enrolled = [astronaut, coffee, *products[:4]]
    matcher = Matcher()
    for i, img in enumerate(enrolled):
        matcher.enroll(i, enrollment_hashes(img))
    return matcher, enrolled


EDITS = {
    "mirror": lambda img, fill: img.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
    "grid9": lambda img, fill: layouts.grid(img, random.Random(1), fill, 3),
    "screenshot": lambda img, fill: layouts.app_screenshot(img, random.Random(0)),
}


@pytest.mark.parametrize("edit", sorted(EDITS))
@pytest.mark.parametrize("source", [0, 1])
def test_edited_repost_matches_its_catalog_image(
        catalog: tuple[Matcher, list[Image.Image]], products: list[Image.Image],
        edit: str, source: int) -> None:
    matcher, enrolled = catalog
    query = EDITS[edit](enrolled[source], products[6:])
    matches = matcher.match(query, MAX_SCORE)
    assert matches, f"{edit} of image {source} matched nothing"
    best = matches[0]
    assert best.image_id == source
    assert best.score <= MAX_SCORE
    assert 0 < best.confidence <= 1
    assert best.hash_kind in {"phash", "dhash", "pdq"}
    assert {m.image_id for m in matches} == {source}


def test_grid_match_names_the_cell(catalog: tuple[Matcher, list[Image.Image]],
                                   products: list[Image.Image]) -> None:
    matcher, enrolled = catalog
    best = matcher.match(EDITS["grid9"](enrolled[0], products[6:]), MAX_SCORE)[0]
    assert best.region.startswith("cell-")


def test_distractors_never_match(catalog: tuple[Matcher, list[Image.Image]],
                                 products: list[Image.Image]) -> None:
    matcher, _ = catalog
    for i, img in enumerate(products[6:12]):
        assert matcher.match(img, MAX_SCORE) == []
        assert matcher.match(layouts.grid(img, random.Random(i), products[6:], 3),
                             MAX_SCORE) == []


def test_remove_and_re_enroll(catalog: tuple[Matcher, list[Image.Image]]) -> None:
    matcher = Matcher()
    _, enrolled = catalog
    matcher.enroll(7, enrollment_hashes(enrolled[1]))
    assert matcher.match(enrolled[1], MAX_SCORE)[0].image_id == 7
    assert matcher.remove(7)
    assert matcher.match(enrolled[1], MAX_SCORE) == []
    assert not matcher.remove(7)


def test_exact_copy_is_carried_by_pdq(catalog: tuple[Matcher, list[Image.Image]]) -> None:
    matcher, enrolled = catalog
    best = matcher.match(enrolled[0], MAX_SCORE)[0]
    assert (best.image_id, best.hash_kind, best.distance, best.region) == (0, "pdq", 0, "full")


def test_fast_decode_reaches_working_size(astronaut: Image.Image) -> None:
    buf = io.BytesIO()
    astronaut.resize((1024, 1024)).save(buf, "JPEG", quality=90)
    img = decode_for_matching(buf.getvalue(), "JPEG")
    assert img.mode == "RGB" and max(img.size) == WORK_SIDE


def test_a_hash_only_search_enrols_more_views_and_finds_a_rotated_repost(
        catalog: tuple[Matcher, list[Image.Image]]) -> None:
    _, enrolled = catalog
    photo = enrolled[1]
    served = {v.name: v.thumb for v in enrollment_views(photo)}
    standalone = {v.name: v.thumb for v in enrollment_views(photo, standalone=True)}
    assert served.keys() < standalone.keys()
    assert {"full-rot90", "sides-1000", "rot+7"} <= standalone.keys() - served.keys()
    for name, thumb in served.items():
        assert (standalone[name] == thumb).all(), name
    rotated = augly_f.rotate(photo, degrees=8.0).convert("RGB")
    bank = Matcher()
    bank.enroll(1, enrollment_hashes(photo, standalone=True))
    best = bank.match(rotated, MAX_SCORE)[0]
    assert (best.image_id, best.score <= MAX_SCORE) == (1, True)
    assert bank.match(photo.transpose(Image.Transpose.ROTATE_90), MAX_SCORE)[0].image_id == 1
