"""QR code of the public seller page, as inline SVG."""

from __future__ import annotations

import io

import segno


def qr_svg(url: str, *, scale: int = 4, title: str = "QR code of this page") -> str:
    # Error level M survives a smudged phone screen or a low-quality screenshot.
    code = segno.make(url, error="m", micro=False)
    out = io.BytesIO()
    code.save(out, kind="svg", scale=scale, border=2, xmldecl=False, svgns=True, title=title)
    return out.getvalue().decode("utf-8")
