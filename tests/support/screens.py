"""Screenshots drawn in code, for tests of what is recovered from them."""

from __future__ import annotations

from PIL import Image, ImageDraw


def viewer_screenshot(photo: Image.Image) -> Image.Image:
    """A phone's photo viewer: a white page with chrome, the photo letterboxed in black
    bars inside it, a tab bar below."""
    w, h = 360, 640
    page = Image.new("RGB", (w, h), (250, 250, 250))
    draw = ImageDraw.Draw(page)
    draw.rectangle((0, 0, w, 48), fill=(235, 235, 240))
    for i in range(5):
        draw.ellipse((20 + i * 64, 70, 64 + i * 64, 114), fill=(40 + 30 * i, 90, 160))
    draw.text((20, 130), "John Doe  a minute ago", fill=(30, 30, 30))
    box_top, box_w, box_h = 160, 330, 300
    draw.rectangle((15, box_top, 15 + box_w, box_top + box_h), fill=(0, 0, 0))
    scaled = photo.resize((box_w, round(box_w * photo.height / photo.width)))
    page.paste(scaled, (15, box_top + (box_h - scaled.height) // 2))
    draw.rectangle((0, h - 60, w, h), fill=(250, 250, 250))
    for i in range(5):
        draw.rectangle((25 + i * 70, h - 45, 50 + i * 70, h - 20), outline=(60, 60, 60), width=3)
    return page
