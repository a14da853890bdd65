"""The item page's evidence, the photo routes, the message catalogs and the offline docs."""

from __future__ import annotations

import io

from PIL import Image

from service.catalog.demo import product_photo
from service.console.catalogs import untranslated
from service.console.evidence import region_box
from service.console.service import caption_parts
from service.listings.tables import ListingAssessment
from service.review.tables import ReviewItem
from tests.service.console.conftest import sign_in

RESULT = {
    "risk": 0.93, "photos_checked": 3,
    "image_matches": [
        {"photo_index": 0, "catalog_image_id": 1, "product_id": 1, "brand": "Vellora",
         "confidence": 0.97, "method": "orb:box:100,75,300,225"},
        {"photo_index": 0, "catalog_image_id": 2, "product_id": 1, "brand": "Vellora",
         "confidence": 0.41, "method": "phash:full"}],
    "reasons": [{"code": "official_photo_unauthorized_seller", "contribution": 2.4,
                 "evidence": {}},
                {"code": "price_far_below_list", "contribution": 1.2, "evidence": {}},
                {"code": "legitimacy_cues", "contribution": -0.6, "evidence": {}}],
    "caption": {"text": "全新 高仿 一比一 私聊", "probability": 0.91, "label": "counterfeit",
                "spans": [{"start": 3, "end": 5, "term": "高仿", "category": "replica_term"},
                          {"start": 9, "end": 11, "term": "私聊",
                           "category": "offplatform_contact"}]},
    "price_check": {"product_id": 1, "brand": "Vellora", "list_price": 4200.0,
                    "list_currency": "USD", "price": 800.0, "currency": "USD", "ratio": 0.1905},
    "seller": {"seller_id": "seller-1", "available": True, "tier": "warning", "score": 0.31,
               "feedback_count": 12, "counterfeit_reports": 2, "confirmed_counterfeits": 1},
    "image_check": {"status": "pending", "stages": ["hash"], "pending_photos": [2]},
}


def test_the_item_page_shows_every_piece_of_evidence(browser_for, make_item):
    item = make_item(photos=3, result=RESULT)
    other = make_item(seller="seller-1")
    mod, _ = browser_for("mod")
    page = mod.get(f"/console/items/{item}").text
    # the keypoint box of photo 0 (a 400x300 photo): x 100-300, y 75-225
    assert 'data-box="0.2500,0.2500,0.5000,0.5000"' in page
    assert 'x="250" y="250" width="500" height="500"' in page
    assert page.count('class="pair status-matched"') == 1
    assert 'class="pair status-unmatched"' in page and 'class="pair status-pending"' in page
    assert 'id="deep-pending"' in page
    assert "confidence" in page and ">97%<" in page
    assert '<mark class="cat-replica_term" title="replica term">高仿</mark>' in page
    assert '<mark class="cat-offplatform_contact"' in page
    assert "19% of the list price" in page
    assert 'id="confirmed-counterfeits">1<' in page
    assert f'href="/console/items/{other}"' in page  # the seller's other items
    assert page.index("official photo, unauthorized seller") < page.index("price far below list")
    assert 'class="down"' in page  # a contribution against risk
    assert "/console/catalog-images/1" in page


def test_a_page_with_a_pending_deep_check_reloads_when_it_lands(browser_for, make_item,
                                                                session_factory):
    item = make_item(photos=3, result=RESULT)
    mod, _ = browser_for("mod")
    with session_factory() as session:
        record = session.get(ReviewItem, item)
        assessment = session.get(ListingAssessment, record.assessment_id)
        url = f"/console/items/{item}/check?assessment={assessment.id}"
        assert url.replace("&", "&amp;") in mod.get(f"/console/items/{item}").text
        assert mod.get(url).status_code == 204
        assessment.result = {**RESULT, "image_check": {"status": "complete", "stages": [
            "hash", "local"]}}
        session.commit()
    landed = mod.get(url)
    assert landed.status_code == 200 and landed.headers["HX-Refresh"] == "true"


def test_photos_need_a_signed_in_person(client, browser_for, make_item):
    item = make_item(photos=2)
    anonymous = client.get(f"/console/items/{item}/photos/0", follow_redirects=False)
    assert anonymous.status_code == 303
    mod, _ = browser_for("mod")
    photo = mod.get(f"/console/items/{item}/photos/1")
    assert photo.status_code == 200
    assert photo.headers["content-type"] == "image/png"
    assert photo.headers["cache-control"] == "private, no-store"
    assert Image.open(io.BytesIO(photo.content)).size == (400, 300)
    assert mod.get(f"/console/items/{item}/photos/2").status_code == 404


def test_a_grid_cell_match_is_located_where_the_matcher_found_it():
    tiles = [Image.open(io.BytesIO(product_photo(seed, size=300))) for seed in (0, 10, 20, 40)]
    grid = Image.new("RGB", (610, 610), "white")
    for i, tile in enumerate(tiles):
        grid.paste(tile, ((i % 2) * 310, (i // 2) * 310))
    out = io.BytesIO()
    grid.save(out, format="PNG")
    box = region_box(out.getvalue(), "phash:cell-1")  # the top-right tile
    assert box is not None
    assert abs(box.x - 0.5) < 0.03 and box.y < 0.02
    assert abs(box.w - 0.5) < 0.03 and abs(box.h - 0.5) < 0.03
    assert region_box(out.getvalue(), "phash:no-such-region") is None


def test_caption_parts_keep_the_text_and_skip_overlaps():
    parts = caption_parts({"text": "abc高仿def", "spans": [
        {"start": 3, "end": 5, "category": "replica_term"},
        {"start": 4, "end": 6, "category": "grade_slang"}]})
    assert "".join(p.text for p in parts) == "abc高仿def"
    assert [(p.text, p.category) for p in parts] == [
        ("abc", None), ("高仿", "replica_term"), ("def", None)]


def test_every_message_has_a_chinese_translation():
    assert untranslated("zh_CN") == []
    assert untranslated("en") == []


def test_the_language_follows_the_browser_and_the_switch(client, people):
    sign_in(client, "mod")
    assert "审核队列" in client.get("/console/queue", headers={"accept-language": "zh-CN"}).text
    english = client.get("/console/queue", headers={"accept-language": "en-US,en;q=0.9"}).text
    assert "Review queue" in english and 'lang="en"' in english
    client.post("/console/lang", data={"lang": "zh_CN", "back": "/console/queue"})
    assert "审核队列" in client.get("/console/queue", headers={"accept-language": "en"}).text


def test_docs_render_from_the_package(client):
    page = client.get("/docs")
    assert page.status_code == 200
    assert "cdn" not in page.text.lower()
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css", "init.js"):
        response = client.get(f"/docs/assets/{asset}")
        assert response.status_code == 200 and len(response.content) > 100
    assert client.get("/docs/assets/../factory.py").status_code == 404


def test_console_assets_are_served_and_nothing_else(client):
    js = client.get("/console/static/htmx.min.js")
    assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript")
    assert client.get("/console/static/console.css").status_code == 200
    assert client.get("/console/static/htmx.LICENSE.txt").status_code == 404
