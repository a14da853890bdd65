"""The colour distance where a keypoint fit puts the catalog photo (colour.fitted_distance):
near for the photo itself wherever the query shows it, far for a colourway of it (the same
product shot in other colours, which keypoints and gradients cannot tell apart)."""

from __future__ import annotations

import math

import numpy as np
from PIL import Image
from trustdata.copydetect.sources import product_shot

from models.hashing import colour
from models.hashing.analysis import analyse_catalog, analyse_query
from models.hashing.matcher import enrollment_hashes, work_image
from models.hashing.pipeline import CatalogMatcher


def _colourway(photo: Image.Image) -> Image.Image:
    """The same shot with its colour channels rotated: every hue moves, gradients barely."""
    return Image.fromarray(np.ascontiguousarray(np.asarray(photo)[..., [2, 0, 1]]))


def _layout(photo: Image.Image) -> np.ndarray:
    rgb = np.asarray(work_image(photo))
    return colour.decode([colour.layout(rgb, (0, 0, rgb.shape[1], rgb.shape[0]))])[0]


def _in_canvas(photo: Image.Image, side: int, at: tuple[int, int],
               size: tuple[int, int] = (900, 900)) -> Image.Image:
    canvas = Image.new("RGB", size, (236, 236, 236))
    canvas.paste(photo.resize((side, side), Image.Resampling.LANCZOS), at)
    return canvas


def _fit_colours(photo: Image.Image, query: Image.Image) -> tuple[CatalogMatcher, dict]:
    matcher = CatalogMatcher()
    for i, img in enumerate([photo] + [product_shot(900 + i, size=480) for i in range(1, 4)]):
        evidence = analyse_catalog(img)
        matcher.enroll(i, evidence.hashes, evidence.local, evidence.descriptors)
    q = analyse_query(query)
    assert q.local is not None and q.colour is not None
    verified = {v.image_id: v for v in matcher.local.verify(q.local, q.scale, 12)}
    assert 0 in verified, "the photo must be fitted for the colour to be compared"
    return matcher, {"query": q, "fit": verified[0], "colours": matcher.fit_colours(q, verified)}


def test_the_whole_photos_layout_is_what_the_matcher_compares_fits_with() -> None:
    photo = product_shot(31, size=640)
    matcher = CatalogMatcher()
    matcher.enroll(5, enrollment_hashes(photo), None)
    [held] = matcher.hashes.full_layouts([5, 6]).values()
    assert np.allclose(held, _layout(photo))
    assert matcher.hashes.full_layouts([6]) == {}


def test_a_grid_cell_of_the_photo_is_near_and_its_colourway_far() -> None:
    photo = product_shot(5, size=640)  # a coloured product: its colourway differs
    _, found = _fit_colours(photo, _in_canvas(photo, 280, (310, 20)))
    q, fit = found["query"], found["fit"]
    own = found["colours"][0]
    other = colour.fitted_distance(np.asarray(fit.model), fit.frame, fit.mirrored, q.colour,
                                   q.colour_factor, _layout(_colourway(photo)))
    assert own < 0.3, own
    assert other > 5 * own and other > 1.0, (own, other)


def test_a_mirrored_copy_is_compared_with_the_mirrored_layout() -> None:
    photo = product_shot(44, size=640)
    photo.paste((200, 30, 40), (20, 20, 200, 260))  # a red label on one side only
    mirrored = photo.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    _, found = _fit_colours(photo, _in_canvas(mirrored, 420, (240, 300)))
    q, fit = found["query"], found["fit"]
    assert fit.mirrored
    own = found["colours"][0]
    unflipped = colour.fitted_distance(np.asarray(fit.model), fit.frame, False, q.colour,
                                       q.colour_factor, _layout(photo))
    assert own < 0.3 and unflipped > 3 * own, (own, unflipped)


def test_a_fit_that_shows_too_little_of_the_photo_has_no_distance() -> None:
    layout = _layout(product_shot(31, size=640))
    query = np.full((256, 256, 3), 200, np.uint8)
    # The 600 px catalog frame at scale 1 with only its last 150 x 150 corner inside.
    corner = np.array([[1.0, 0.0, -450.0], [0.0, 1.0, -450.0]])
    assert math.isnan(colour.fitted_distance(corner, (600, 600), False, query, 1.0, layout))
    whole = np.array([[0.4, 0.0, 0.0], [0.0, 0.4, 0.0]])
    assert not math.isnan(colour.fitted_distance(whole, (600, 600), False, query, 1.0, layout))
