"""The moderator console in a real browser (Playwright driving Debian's Chromium)."""

from __future__ import annotations

import re

import pytest

from service.review.tables import ReviewItem
from tests.console.conftest import REPORTS, Served, person, score
from tests.console.images import collage, photo, screenshot

COPY = "高仿 一比一 私聊"


def _item(served: Served, item_id: int) -> ReviewItem:
    with served.state.session_factory() as session:
        item = session.get(ReviewItem, item_id)
        assert item is not None
        return item


def test_sign_in_and_sign_out(new_page, served):
    page = new_page()
    page.goto(f"{served.url}/console/queue")
    assert page.url.endswith("/console/sign-in")  # signed out: sent to the form
    page.fill("#username", "mod")
    page.fill("#password", "not the password")
    page.keyboard.press("Enter")
    page.wait_for_selector("#sign-in-error")
    page.fill("#username", "mod")
    page.fill("#password", "correct horse battery")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{served.url}/console/queue")
    assert page.locator("h1").inner_text() == "Review queue"
    cookie = next(c for c in page.context.cookies() if c["name"] == "trustd_console")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    page.click("#sign-out")
    page.wait_for_url(f"{served.url}/console/sign-in")
    page.goto(f"{served.url}/console/queue")
    assert page.url.endswith("/console/sign-in")


def test_api_docs_render_without_internet(new_page, served):
    page = new_page()
    outside: list[str] = []

    def local_only(route):
        if route.request.url.startswith(served.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", local_only)
    page.goto(f"{served.url}/docs")
    page.wait_for_selector(".swagger-ui .title")
    assert "trustd" in page.locator(".swagger-ui .title").inner_text()
    assert page.locator(".opblock").count() > 10  # the operations are listed
    assert outside == []


def test_csrf_is_refused_without_the_token(new_page, served):
    person(served, "csrf-mod", platform="t-csrf")
    item = score(served, "t-csrf", "csrf-1", [photo(40)], COPY, 300)
    page = new_page("csrf-mod")
    response = page.request.post(f"{served.url}/console/items/{item}/claim")
    assert response.status == 403
    assert response.json()["error"]["code"] == "csrf_failed"
    forged = page.request.post(f"{served.url}/console/items/{item}/claim",
                               headers={"X-CSRF-Token": "forged"})
    assert forged.status == 403
    assert _item(served, item).lease_holder is None


def test_a_moderator_decides_with_keys_only_and_lands_on_the_next_item(new_page, served):
    person(served, "keys-mod", platform="t-keys")
    first = score(served, "t-keys", "keys-1", [photo(0), photo(501)], COPY, 650)
    second = score(served, "t-keys", "keys-2", [photo(40)], "Diver 300 full set", 900)
    page = new_page("keys-mod")
    page.keyboard.press("n")  # start reviewing
    page.wait_for_url(re.compile(r"/console/items/\d+$"))
    first_id = int(page.url.rsplit("/", 1)[1])
    assert first_id in (first, second)
    following = second if first_id == first else first
    assert page.locator("#lease-left").inner_text() != "…"  # the lease countdown runs
    picture = page.locator(".pair .frame.listing img").first
    assert "blur" in picture.evaluate("e => getComputedStyle(e).filter")
    page.keyboard.press("j")  # focus the first photo pair: it is revealed
    assert page.evaluate("document.activeElement.classList.contains('pair')")
    page.wait_for_function(  # after the reveal transition
        "() => getComputedStyle(document.querySelector('.pair .frame.listing img')).filter"
        " === 'none'")
    assert page.evaluate(
        "getComputedStyle(document.activeElement).outlineStyle") != "none"  # visible focus
    page.evaluate("window.__sameDocument = true")
    page.keyboard.press("r")  # remove, with the default reason (counterfeit)
    page.wait_for_url(f"{served.url}/console/items/{following}")
    page.wait_for_selector(f"main[data-item-id='{following}']")
    assert page.evaluate("window.__sameDocument === true")  # no full page reload
    decided = _item(served, first_id)
    assert (decided.status, decided.decision) == ("decided", "remove")
    assert _item(served, following).lease_holder_name == "keys-mod"
    page.go_back()  # the decided item again, as a whole page
    page.wait_for_url(f"{served.url}/console/items/{first_id}")
    page.wait_for_selector(f"main[data-item-id='{first_id}']")
    assert page.locator("#sign-out").count() == 1 and page.locator("#decide").count() == 0
    page.go_forward()
    page.wait_for_selector(f"main[data-item-id='{following}']")
    assert page.locator("#sign-out").count() == 1
    page.keyboard.press("?")
    assert page.locator("#help").is_visible()
    page.keyboard.press("Escape")
    page.keyboard.press("a")  # approve the second: the queue is then empty
    page.wait_for_url(re.compile(r"/console/queue"))
    assert page.locator("#queue-empty").is_visible()


def test_two_moderators_never_hold_the_same_item(new_page, served):
    person(served, "race-a", platform="t-race")
    person(served, "race-b", platform="t-race")
    items = {score(served, "t-race", f"race-{i}", [photo(20 + i)], COPY, 40) for i in range(3)}
    a, b = new_page("race-a"), new_page("race-b")
    a.keyboard.press("n")
    b.keyboard.press("n")
    a.wait_for_url(re.compile(r"/console/items/\d+$"))
    b.wait_for_url(re.compile(r"/console/items/\d+$"))
    held_a, held_b = int(a.url.rsplit("/", 1)[1]), int(b.url.rsplit("/", 1)[1])
    assert held_a != held_b and {held_a, held_b} <= items
    b.goto(f"{served.url}/console/items/{held_a}")
    b.keyboard.press("a")  # deciding what one does not hold is refused at once
    b.locator("#flash").wait_for(state="visible")
    assert "Claim the item first" in b.locator("#flash").inner_text()
    b.keyboard.press("c")  # try to take A's item
    b.wait_for_function("() => document.querySelector('#flash').textContent"
                        ".includes('Another moderator holds this item')")
    assert _item(served, held_a).lease_holder_name == "race-a"


def test_bulk_decisions_from_the_queue_page(new_page, served):
    person(served, "bulk-mod", platform="t-bulk")
    items = [score(served, "t-bulk", f"bulk-{i}", [photo(30 + i)], COPY, 20) for i in range(3)]
    page = new_page("bulk-mod")
    for _ in range(2):  # j to a row, shift+tab back to its box, space ticks it
        page.keyboard.press("j")
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Space")
        page.keyboard.press("Tab")
    ticked = page.locator("input[name=items]:checked").evaluate_all(
        "boxes => boxes.map(b => Number(b.value))")
    assert len(ticked) == 2
    page.select_option("#bulk select[name=decision]", "remove")
    page.select_option("#bulk select[name=reason]", "counterfeit")
    page.focus("#bulk-submit")
    page.keyboard.press("Enter")
    page.wait_for_selector("#bulk-result")
    assert [_item(served, i).status for i in ticked] == ["decided", "decided"]
    untouched = next(i for i in items if i not in ticked)
    assert _item(served, untouched).status == "open"


def test_the_matched_region_box_is_drawn_where_the_match_says(new_page, served):
    person(served, "grid-mod", platform="t-grid")
    item = score(served, "t-grid", "grid-1", [collage((501, 0, 502, 503))], COPY, 500)
    page = new_page("grid-mod")
    page.goto(f"{served.url}/console/items/{item}")
    pair = page.locator(".pair.status-matched").first
    assert "Maison Verdier" in pair.locator("figcaption").inner_text()
    image = pair.locator(".frame.listing img")
    image.evaluate("e => e.decode()")
    shown = image.bounding_box()
    box = pair.locator("rect.match-box").bounding_box()
    assert shown and box
    # the catalog photo is the top-right tile: x 310-610, y 0-300 of a 610 px square
    left = (box["x"] - shown["x"]) / shown["width"]
    top = (box["y"] - shown["y"]) / shown["height"]
    assert abs(left - 310 / 610) < 0.06 and abs(top) < 0.06
    assert abs(box["width"] / shown["width"] - 300 / 610) < 0.08
    assert abs(box["height"] / shown["height"] - 300 / 610) < 0.08


def test_a_senior_only_item_is_refused_to_a_moderator(new_page, served):
    person(served, "esc-mod", platform="t-esc")
    person(served, "esc-senior", "senior_moderator", platform="t-esc")
    item = score(served, "t-esc", "esc-1", [photo(40)], COPY, 100)
    mod = new_page("esc-mod")
    mod.keyboard.press("n")
    mod.wait_for_url(f"{served.url}/console/items/{item}")
    mod.keyboard.press("e")  # escalate to the senior queue
    mod.wait_for_url(re.compile(r"/console/queue"))
    assert _item(served, item).queue == "senior"
    mod.goto(f"{served.url}/console/items/{item}")
    assert mod.locator("#senior-only").is_visible()
    mod.keyboard.press("c")
    mod.locator("#flash").wait_for(state="visible")
    assert "senior" in mod.locator("#flash").inner_text().lower()
    assert _item(served, item).lease_holder is None
    senior = new_page("esc-senior")
    senior.goto(f"{served.url}/console/queue?queue=senior")
    senior.keyboard.press("n")
    senior.wait_for_url(f"{served.url}/console/items/{item}")
    assert _item(served, item).lease_holder_name == "esc-senior"


def test_a_tenant_moderator_never_sees_another_tenants_item(new_page, served):
    person(served, "tenant-a-mod", platform="t-tenant-a")
    person(served, "tenant-b-mod", platform="t-tenant-b")
    theirs = score(served, "t-tenant-a", "tenant-a-1", [photo(0)], COPY, 200)
    mine = score(served, "t-tenant-b", "tenant-b-1", [photo(40)], COPY, 200)
    page = new_page("tenant-b-mod")
    rows = page.locator("#queue-items tr.row").evaluate_all(
        "rows => rows.map(r => Number(r.dataset.itemId))")
    assert rows == [mine]
    response = page.goto(f"{served.url}/console/items/{theirs}")
    assert response is not None and response.status == 404
    photo_response = page.request.get(f"{served.url}/console/items/{theirs}/photos/0")
    assert photo_response.status == 404
    page.goto(f"{served.url}/console/queue")
    page.keyboard.press("n")
    page.wait_for_url(f"{served.url}/console/items/{mine}")


# Latin text the Chinese pages may show: data (names, ids, brands, currency, hash kinds)
# and the language switch's own name for English.
ALLOWED_LATIN = {"trustd", "English", "phash", "dhash", "pdq", "orb", "USD", "Maison",
                 "Verdier"}


def _latin_words(text: str) -> set[str]:
    return set(re.findall(r"[A-Za-z]{2,}", text))


def test_the_chinese_interface_leaves_no_english_in_the_main_views(new_page, served):
    person(served, "zh-mod", platform="t-zh")
    item = score(served, "t-zh", "zh-1", [collage((501, 0, 502, 503)), photo(503)], COPY, 500)
    data = _latin_words("zh-mod t-zh zh-1 seller-e2e") | ALLOWED_LATIN
    page = new_page("zh-mod", locale="zh-CN")
    queue_text = page.locator("body").inner_text()
    assert "审核队列" in queue_text
    assert _latin_words(queue_text) - data == set()
    page.goto(f"{served.url}/console/items/{item}")
    page.keyboard.press("?")  # the key list too
    page.locator("#help").wait_for(state="visible")
    text = page.locator("body").inner_text()
    assert "提交并继续" in text and "快捷键" in text
    assert _latin_words(text) - data == set()


@pytest.mark.parametrize("viewport", [(1920, 1080), (1280, 800)], ids=["desktop", "laptop"])
def test_screenshots_of_the_queue_and_item_pages(new_page, served, viewport):
    person(served, "shots-mod", platform="demo-shop")
    with served.state.session_factory() as session:
        known = session.query(ReviewItem).filter(ReviewItem.platform_id == "demo-shop").count()
    if not known:
        score(served, "demo-shop", "demo-collage", [collage((501, 0, 502, 503)), photo(504)],
              "全新 高仿 一比一 私聊加v 原单", 650, seller="seller-lucky-deals")
        score(served, "demo-shop", "demo-screenshot", [screenshot(40)],
              "Diver 300 mirror quality, DM for price", 380, seller="seller-rlx-factory")
        score(served, "demo-shop", "demo-official", [photo(20), photo(502)],
              "Runner 9 sneakers, brand new", 35, seller="seller-closet-clearout")
    REPORTS.mkdir(parents=True, exist_ok=True)
    name = "desktop" if viewport[0] > 1280 else "laptop"
    for lang in ("zh-CN", "en"):
        page = new_page("shots-mod", locale=lang, viewport=viewport)
        suffix = "" if lang == "zh-CN" else "-en"
        page.screenshot(path=str(REPORTS / f"queue-{name}{suffix}.png"), full_page=True,
                        caret="initial")  # "hide" injects a style the CSP refuses
        page.keyboard.press("n")
        page.wait_for_url(re.compile(r"/console/items/\d+$"))
        page.keyboard.press("j")
        page.wait_for_timeout(300)  # let the reveal transition finish
        page.screenshot(path=str(REPORTS / f"item-{name}{suffix}.png"),  # what a moderator sees
                        caret="initial")
        page.keyboard.press("u")  # release, so the next language takes the same item
        page.wait_for_selector("#claim")
    assert (REPORTS / f"queue-{name}.png").stat().st_size > 10_000
