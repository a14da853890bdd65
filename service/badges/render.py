"""Badge presentation: tier colours, the two-part SVG badge and the shields.io endpoint JSON.

Colours are chosen for at least 4.5:1 contrast with the white badge text (WCAG AA).
"""

from __future__ import annotations

import hashlib
from typing import Any
from xml.sax.saxutils import escape

LABEL = "seller trust"
LABEL_COLOR = "#555555"
TIER_COLORS = {
    "new": "#6e6e6e",
    "bronze": "#a0522d",
    "silver": "#5f6f7e",
    "gold": "#8a6d00",
    "warning": "#c0392b",
}
SHIELDS_CACHE_SECONDS = 300  # shields.io does not re-fetch endpoint badges more often anyway

_HEIGHT = 20
_PADDING = 6
_NARROW = set("fijlrt.,:;!|' ")
_WIDE = set("mwMW@%")


def _text_width(text: str) -> int:
    """Width in px of `text` at 11px Verdana-like fonts, estimated per character class; exact
    metrics are not worth a font dependency, the padding absorbs the error."""
    width = 0.0
    for ch in text:
        if ch in _NARROW:
            width += 4.0
        elif ch in _WIDE:
            width += 10.5
        elif ch.isupper() or ch.isdigit():
            width += 7.5
        elif ord(ch) > 0x2E80:  # CJK and other full-width characters
            width += 11.0
        else:
            width += 6.8
    return round(width)


def tier_message(tier: str, score: float | None) -> str:
    if score is None or tier in ("new", "warning"):
        return tier
    return f"{tier} {round(score * 100)}"


def tier_color(tier: str) -> str:
    return TIER_COLORS.get(tier, TIER_COLORS["new"])


def render_badge_svg(message: str, color: str, label: str = LABEL) -> str:
    """A flat two-part label|message badge with a <title> and aria-label for screen readers."""
    lw = _text_width(label) + 2 * _PADDING
    mw = _text_width(message) + 2 * _PADDING
    total = lw + mw
    title = escape(f"{label}: {message}")
    # ids are scoped by content so several badges can be inlined into one page.
    uid = hashlib.sha256(f"{label}|{message}|{color}".encode()).hexdigest()[:8]
    label_x, message_x = lw / 2, lw + mw / 2
    text_attrs = 'fill="#fff" text-anchor="middle" font-size="11"'
    font = "Verdana,Geneva,DejaVu Sans,sans-serif"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total}" height="{_HEIGHT}" '
        f'viewBox="0 0 {total} {_HEIGHT}" role="img" aria-label="{title}">'
        f"<title>{title}</title>"
        f'<linearGradient id="g{uid}" x2="0" y2="100%">'
        '<stop offset="0" stop-color="#fff" stop-opacity=".1"/>'
        '<stop offset="1" stop-opacity=".1"/></linearGradient>'
        f'<clipPath id="c{uid}"><rect width="{total}" height="{_HEIGHT}" rx="3"/></clipPath>'
        f'<g clip-path="url(#c{uid})">'
        f'<rect width="{lw}" height="{_HEIGHT}" fill="{LABEL_COLOR}"/>'
        f'<rect x="{lw}" width="{mw}" height="{_HEIGHT}" fill="{escape(color)}"/>'
        f'<rect width="{total}" height="{_HEIGHT}" fill="url(#g{uid})"/></g>'
        f'<g {text_attrs} font-family="{font}">'
        f'<text x="{label_x:g}" y="14">{escape(label)}</text>'
        f'<text x="{message_x:g}" y="14">{escape(message)}</text></g></svg>'
    )


def shields_endpoint(message: str, color: str, label: str = LABEL) -> dict[str, Any]:
    """Body for https://img.shields.io/endpoint?url=... (schemaVersion 1)."""
    return {
        "schemaVersion": 1,
        "label": label,
        "message": message,
        "color": color.lstrip("#"),
        "labelColor": LABEL_COLOR.lstrip("#"),
        "cacheSeconds": SHIELDS_CACHE_SECONDS,
    }
