"""The item page lists the seller's linked sellers with the shared evidence, in both
languages."""

from __future__ import annotations

import random

from models.networks.prints import PhotoPrint
from service.kit.db import utcnow
from service.networks import service as networks
from service.sellers.service import record_confirmed_counterfeit

PRINT = PhotoPrint(random.Random(5).randbytes(32), random.Random(6).randbytes(8), 100)
NEAR = PhotoPrint(bytes([PRINT.pdq[0] ^ 0x0F]) + PRINT.pdq[1:],
                  bytes([PRINT.phash[0] ^ 0x01]) + PRINT.phash[1:], 100)


def test_the_item_page_shows_linked_sellers(browser_for, make_item, session_factory) -> None:
    item = make_item(seller="seller-1")
    with session_factory() as session:
        now = utcnow()
        networks.record(session, "shop-a", "seller-1", "L1",
                        [networks.PhotoPost(0, PRINT, False)], "", now)
        networks.record(session, "shop-a", "agent-9", "X7",
                        [networks.PhotoPost(0, NEAR, False)], "", now)
        record_confirmed_counterfeit(session, "agent-9", reference="review-item:99",
                                     confirmed_by="mod", platform_id="shop-a", commit=False)
        session.commit()
    mod, _ = browser_for("mod")
    page = mod.get(f"/console/items/{item}").text
    linked = page[page.index('id="linked-sellers"'):]
    assert "<strong>agent-9</strong>" in linked
    assert "1 shared photos" in linked and "1 confirmed counterfeits" in linked
    assert "photo 1 of L1 is their X7 (distance 4)" in linked
    mod.cookies.set("trustd_lang", "zh_CN")
    page = mod.get(f"/console/items/{item}").text
    assert "关联卖家" in page and "L1 的第 1 张图片与对方的 X7 相同（距离 4）" in page


def test_no_linked_sellers(browser_for, make_item) -> None:
    item = make_item(seller="lonely")
    mod, _ = browser_for("mod")
    page = mod.get(f"/console/items/{item}").text
    assert "Linked sellers" in page
    assert page[page.index('id="linked-sellers"'):].split("</ul>")[0].count("<li>") == 1
