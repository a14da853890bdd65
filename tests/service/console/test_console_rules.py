"""Pure rules of the console, without a server: language choice, queue cursors, boxes."""

from __future__ import annotations

import datetime as dt

from service.console.evidence import region_box
from service.console.i18n import choose
from service.console.schemas import decode_cursor, encode_cursor
from service.review.repository import QueueCursor
from tests.service.console.conftest import png


def test_the_language_comes_from_the_cookie_then_the_browser():
    assert choose(None, None) == "zh_CN"  # the moderators of this market read Chinese first
    assert choose(None, "en-US,en;q=0.9") == "en"
    assert choose(None, "zh-CN,zh;q=0.9,en;q=0.8") == "zh_CN"
    assert choose(None, "fr-FR, en;q=0.5") == "en"
    assert choose(None, "en;q=0.2, zh;q=0.9") == "zh_CN"
    assert choose(None, "de") == "zh_CN"
    assert choose("en", "zh-CN") == "en"
    assert choose("xx", "en") == "en"  # an unknown cookie is ignored
    assert choose(None, "en;q=abc,,;;") in ("zh_CN", "en")  # junk never fails


def test_queue_cursors_round_trip_and_junk_means_the_first_page():
    cursor = QueueCursor("medium", dt.datetime(2026, 12, 1, 8, 30, tzinfo=dt.UTC), 0.61, 42)
    assert decode_cursor(encode_cursor(cursor)) == cursor
    assert decode_cursor("not-a-cursor") is None
    assert decode_cursor("") is None


def test_keypoint_boxes_are_fractions_of_the_photo():
    photo = png((10, 20, 30), size=(800, 400))
    box = region_box(photo, "orb:box:200,100,600,300")
    assert box is not None
    assert (box.x, box.y, box.w, box.h) == (0.25, 0.25, 0.5, 0.5)
    clipped = region_box(photo, "orb:box:-50,0,900,500")
    assert clipped is not None and (clipped.x, clipped.w, clipped.h) == (0.0, 1.0, 1.0)
    assert region_box(photo, "orb:box:1,2,3") is None
    whole = region_box(photo, "phash:full")
    assert whole is not None and (whole.w, whole.h) == (1.0, 1.0)
