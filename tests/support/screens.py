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


def page_screenshot(photo: Image.Image) -> Image.Image:
    """A desktop web page: a menu column, a feed column whose post shows the photo
    pillarboxed in black bars (cut off by the bottom of the screen), a sidebar of other
    blocks."""
    w, h = 900, 560
    page = Image.new("RGB", (w, h), (242, 243, 245))
    draw = ImageDraw.Draw(page)
    draw.rectangle((0, 0, w, 40), fill=(255, 255, 255))
    draw.rectangle((0, 40, 150, h), fill=(255, 255, 255))
    for i in range(6):
        draw.text((20, 70 + 36 * i), f"Menu {i}", fill=(60, 60, 60))
    draw.rectangle((180, 60, 600, h), fill=(255, 255, 255))  # the feed's post
    draw.ellipse((195, 75, 235, 115), fill=(120, 80, 60))
    draw.text((245, 85), "John Doe  a minute ago", fill=(30, 30, 30))
    for i in range(4):
        draw.text((200, 140 + 40 * i), "Selling this one, DM me " * 2, fill=(40, 40, 40))
    box_top, box_w, box_h = 340, 400, 240  # its last 20 rows below the screen
    draw.rectangle((190, box_top, 190 + box_w, box_top + box_h), fill=(0, 0, 0))
    scaled = photo.resize((round(photo.width * box_h / photo.height), box_h))
    page.paste(scaled, (190 + (box_w - scaled.width) // 2, box_top))
    draw.rectangle((600, 60, 880, 260), fill=(255, 255, 255))  # the sidebar's blocks,
    draw.rectangle((560, 90, 865, 220), fill=(90, 120, 150))  # an ad over the post's edge
    draw.rectangle((630, 290, 880, 500), fill=(255, 255, 255))
    draw.ellipse((730, 360, 780, 410), fill=(150, 190, 210))
    return page
