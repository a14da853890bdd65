"""SVG badge, shields.io endpoint JSON against its schema, and the QR code."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import jsonschema
import pytest
import segno

from service.badges.qr import qr_svg
from service.badges.render import (
    LABEL_COLOR,
    TIER_COLORS,
    render_badge_svg,
    shields_endpoint,
    tier_color,
    tier_message,
)

SVG_NS = "{http://www.w3.org/2000/svg}"


def contrast_with_white(hex_color: str) -> float:
    channels = [int(hex_color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return 1.05 / (luminance + 0.05)


@pytest.mark.parametrize("tier", list(TIER_COLORS))
def test_svg_badge_is_two_part_with_accessible_title(tier):
    message = tier_message(tier, 0.91)
    svg = render_badge_svg(message, tier_color(tier))
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG_NS}svg"
    assert root.get("role") == "img"
    title = root.find(f"{SVG_NS}title")
    assert title is not None
    assert title.text == f"seller trust: {message}"
    assert root.get("aria-label") == title.text
    rects = [r for r in root.iter(f"{SVG_NS}rect") if r.get("fill", "").startswith("#")]
    assert [r.get("fill") for r in rects] == [LABEL_COLOR, TIER_COLORS[tier]]
    label_w, message_w = (int(r.get("width", "0")) for r in rects)
    assert int(root.get("width", "-1")) == label_w + message_w
    texts = [t.text for t in root.iter(f"{SVG_NS}text")]
    assert texts == ["seller trust", message]


def test_longer_messages_give_wider_badges_and_text_is_escaped():
    short = ET.fromstring(render_badge_svg("new", "#6e6e6e"))
    long = ET.fromstring(render_badge_svg("<gold & 100>", "#8a6d00"))
    assert int(long.get("width", "0")) > int(short.get("width", "0"))
    assert [t.text for t in long.iter(f"{SVG_NS}text")][1] == "<gold & 100>"


@pytest.mark.parametrize("color", [LABEL_COLOR, *TIER_COLORS.values()])
def test_badge_colours_meet_wcag_aa_contrast_with_white_text(color):
    assert contrast_with_white(color) >= 4.5


def test_tier_colours_are_distinct_and_messages_show_scores_only_for_rated_tiers():
    assert len(set(TIER_COLORS.values())) == len(TIER_COLORS)
    assert tier_message("gold", 0.934) == "gold 93"
    assert tier_message("warning", 0.2) == "warning"
    assert tier_message("new", 0.7) == "new"
    assert tier_color("unknown-tier") == TIER_COLORS["new"]


@pytest.mark.parametrize("tier", list(TIER_COLORS))
def test_shields_endpoint_json_validates_against_the_schema(tier, shields_schema):
    body = shields_endpoint(tier_message(tier, 0.8), tier_color(tier))
    jsonschema.validate(body, shields_schema)
    assert body["schemaVersion"] == 1
    assert re.fullmatch(r"[0-9a-f]{6}", body["color"])
    assert body["cacheSeconds"] >= 300


def test_the_schema_itself_rejects_bad_bodies(shields_schema):
    good = shields_endpoint("gold 90", "#8a6d00")
    for bad in (
        {**good, "schemaVersion": 2},
        {**good, "cacheSeconds": "300"},
        {**good, "extra": 1},
        {k: v for k, v in good.items() if k != "message"},
    ):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, shields_schema)


def svg_path_modules(svg: str, scale: int, border: int) -> set[tuple[int, int]]:
    """Dark modules drawn by segno's single-path SVG ("M x y", "m dx dy", "h n" commands)."""
    root = ET.fromstring(svg)
    path = root.find(f"{SVG_NS}path")
    assert path is not None
    assert path.get("transform") == f"scale({scale})"
    tokens = re.findall(r"[Mmh]|-?\d+(?:\.\d+)?", path.get("d", ""))
    x = y = 0.0
    dark: set[tuple[int, int]] = set()
    i = 0
    while i < len(tokens):
        cmd = tokens[i]
        if cmd in "Mm":
            dx, dy = float(tokens[i + 1]), float(tokens[i + 2])
            x, y = (dx, dy) if cmd == "M" else (x + dx, y + dy)
            i += 3
        else:
            n = int(float(tokens[i + 1]))
            dark.update((int(y - 0.5) - border, int(x) + k - border) for k in range(n))
            x += n
            i += 2
    return dark


@pytest.mark.parametrize("url", ["https://trust.example/s/seller-1", "http://127.0.0.1:8000/s/x"])
def test_qr_svg_encodes_the_page_url(url):
    svg = qr_svg(url, scale=4)
    root = ET.fromstring(svg)
    assert root.find(f"{SVG_NS}title") is not None
    expected = {
        (r, c) for r, row in enumerate(segno.make(url, error="m", micro=False).matrix) for c, v in enumerate(row) if v
    }
    assert svg_path_modules(svg, scale=4, border=2) == expected
