"""The queue page (counts, filters, keyset paging), "Start reviewing", tenants and the
senior queue, and "Submit and next" with htmx."""

from __future__ import annotations

import datetime as dt
import re

from service.console.people import check_password
from service.kit.db import utcnow
from service.review import repository
from service.review.tables import ReviewItem
from tests.service.console.conftest import sign_in

ROW = re.compile(r'data-item-id="(\d+)"')


def _rows(html: str) -> list[int]:
    return [int(i) for i in ROW.findall(html.split('id="queue-items"', 1)[1])]


def test_counts_by_queue_level_and_age(client, people, make_item):
    now = utcnow()
    make_item(level="high")
    make_item(level="high", enqueued_at=now - dt.timedelta(hours=2))
    make_item(level="medium", enqueued_at=now - dt.timedelta(days=2))
    sign_in(client, "mod")
    page = client.get("/console/queue").text
    assert 'data-count="standard-high-under_1h">1<' in page
    assert 'data-count="standard-high-under_24h">1<' in page
    assert 'data-count="standard-medium-older">1<' in page
    assert 'data-count="senior-high-under_1h">0<' in page


def test_pages_follow_the_queue_order_without_gaps_or_repeats(client, people, make_item,
                                                             session_factory):
    now = utcnow()
    for i in range(130):  # ties in age and risk across page boundaries, three levels
        make_item(level=("high", "medium", "low")[i % 3], risk=0.5 + (i % 4) / 10,
                  enqueued_at=now - dt.timedelta(minutes=i // 5))
    with session_factory() as session:
        expected = [i.id for i in repository.queue_page(
            session, repository.QueueFilter(include_claimed=True), utcnow(), 1000, 0)]
    sign_in(client, "mod")
    seen, url = [], "/console/queue"
    while url:
        html = client.get(url).text
        seen += _rows(html)
        found = re.search(r'id="next-page" href="([^"]+)"', html)
        url = found.group(1).replace("&amp;", "&") if found else ""
    assert seen == expected


def test_filters(client, people, make_item):
    now = utcnow()
    a = make_item(level="high", brand="Vellora", reasons=("brand_nickname",))
    b = make_item(level="medium", brand="Castel", enqueued_at=now - dt.timedelta(hours=30))
    sign_in(client, "mod")
    assert _rows(client.get("/console/queue?level=medium").text) == [b]
    assert _rows(client.get("/console/queue?brand=Vellora").text) == [a]
    assert _rows(client.get("/console/queue?reason=brand_nickname").text) == [a]
    assert _rows(client.get("/console/queue?age=older").text) == [b]
    assert client.get("/console/queue?level=extreme").status_code == 422


def test_start_reviewing_claims_the_oldest_highest_risk_item(browser_for, make_item,
                                                            session_factory):
    now = utcnow()
    make_item(level="medium", enqueued_at=now - dt.timedelta(hours=9))
    first = make_item(level="high", enqueued_at=now - dt.timedelta(hours=3))
    second = make_item(level="high", enqueued_at=now - dt.timedelta(hours=1))
    mod, token = browser_for("mod")
    mod2, token2 = browser_for("mod2")
    got = mod.post("/console/next", data={"csrf": token}, follow_redirects=False)
    assert got.headers["location"] == f"/console/items/{first}"
    other = mod2.post("/console/next", data={"csrf": token2}, follow_redirects=False)
    assert other.headers["location"] == f"/console/items/{second}"  # never the same item
    again = mod.post("/console/next", data={"csrf": token}, follow_redirects=False)
    assert again.headers["location"] == f"/console/items/{first}"  # resumes what it holds
    with session_factory() as session:
        held = session.get(ReviewItem, first)
        assert held.lease_holder_name == "mod"
    page = mod.get(f"/console/items/{first}").text
    assert 'id="lease-left"' in page  # the remaining time is shown to the holder


def test_a_platform_moderator_sees_only_its_platform(browser_for, make_item):
    mine = make_item(platform="shop-b")
    theirs = make_item(platform="shop-a", enqueued_at=utcnow() - dt.timedelta(hours=5))
    client, token = browser_for("shopb-mod")
    assert _rows(client.get("/console/queue").text) == [mine]
    assert _rows(client.get("/console/queue?platform=shop-a").text) == [mine]  # not widened
    page = client.get(f"/console/items/{theirs}")
    assert page.status_code == 404 and 'id="error-message"' in page.text
    assert f"/console/items/{theirs}/photos" not in page.text
    assert client.get(f"/console/items/{theirs}/photos/0").status_code == 404
    refused = client.post(f"/console/items/{theirs}/claim", headers={"X-CSRF-Token": token})
    assert refused.status_code == 404
    got = client.post("/console/next", data={"csrf": token}, follow_redirects=False)
    assert got.headers["location"] == f"/console/items/{mine}"
    service_wide, _ = browser_for("mod")
    assert set(_rows(service_wide.get("/console/queue").text)) == {mine, theirs}


def test_the_senior_queue_is_refused_to_a_moderator(browser_for, make_item, session_factory):
    item = make_item()
    with session_factory() as session:
        session.get(ReviewItem, item).queue = "senior"
        session.commit()
    mod, token = browser_for("mod")
    refused = mod.post(f"/console/items/{item}/claim", headers={"X-CSRF-Token": token})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "senior_queue"
    start = mod.post("/console/next", data={"csrf": token, "queue": "senior"})
    assert start.status_code == 403
    assert 'id="senior-only"' in mod.get(f"/console/items/{item}").text
    senior, senior_token = browser_for("senior")
    got = senior.post("/console/next", data={"csrf": senior_token, "queue": "senior"},
                      follow_redirects=False)
    assert got.headers["location"] == f"/console/items/{item}"


def test_submit_and_next_swaps_in_the_next_item(browser_for, make_item, session_factory):
    now = utcnow()
    first = make_item(enqueued_at=now - dt.timedelta(hours=2))
    second = make_item(enqueued_at=now - dt.timedelta(hours=1))
    mod, token = browser_for("mod")
    mod.post("/console/next", data={"csrf": token})
    response = mod.post(f"/console/items/{first}/decide", headers={"HX-Request": "true"},
                        data={"csrf": token, "decision": "remove", "reason": "counterfeit",
                              "note": "official photo at 15% of list"})
    assert response.status_code == 200, response.text
    assert response.headers["HX-Push-Url"] == f"/console/items/{second}"
    assert response.text.lstrip().startswith("<main")  # a fragment, not a whole page
    assert f'data-item-id="{second}"' in response.text
    with session_factory() as session:
        decided = session.get(ReviewItem, first)
        assert (decided.status, decided.decision) == ("decided", "remove")
        assert session.get(ReviewItem, second).lease_holder_name == "mod"
        last = repository.last_decision(session, first)
        assert last.reason_codes == ["counterfeit"] and last.actor_name == "mod"
    done = mod.post(f"/console/items/{second}/decide", headers={"HX-Request": "true"},
                    data={"csrf": token, "decision": "approve", "reason": "genuine"})
    assert done.status_code == 204
    assert done.headers["HX-Redirect"].startswith("/console/queue")


def test_a_decision_needs_the_lease_and_a_known_decision(browser_for, make_item):
    item = make_item()
    mod, token = browser_for("mod")
    not_held = mod.post(f"/console/items/{item}/decide",
                        data={"csrf": token, "decision": "approve", "reason": "genuine"})
    assert not_held.status_code == 409
    assert not_held.json()["error"]["code"] == "not_lease_holder"
    bad = mod.post(f"/console/items/{item}/decide",
                   data={"csrf": token, "decision": "delete", "reason": "genuine"})
    assert bad.status_code == 422


def test_release_and_renew(browser_for, make_item, session_factory):
    item = make_item()
    mod, token = browser_for("mod")
    headers = {"X-CSRF-Token": token, "HX-Request": "true"}
    assert mod.post(f"/console/items/{item}/claim", headers=headers).status_code == 200
    with session_factory() as session:
        first_expiry = session.get(ReviewItem, item).lease_expires_at
    renewed = mod.post(f"/console/items/{item}/claim", headers=headers)
    assert renewed.status_code == 200
    with session_factory() as session:
        assert session.get(ReviewItem, item).lease_expires_at >= first_expiry
    assert mod.post(f"/console/items/{item}/release", headers=headers).status_code == 200
    with session_factory() as session:
        assert session.get(ReviewItem, item).lease_holder is None


def test_preferences_are_remembered_per_person(browser_for, session_factory):
    mod, token = browser_for("mod")
    assert 'class="blur-on' in mod.get("/console/queue").text  # blurred until revealed
    saved = mod.post("/console/prefs", data={"csrf": token, "blur": "off", "greyscale": "on"})
    assert saved.status_code == 204
    page = mod.get("/console/queue").text
    assert 'class=" grey-on"' in page
    other, _ = browser_for("mod2")
    assert 'class="blur-on ' in other.get("/console/queue").text
    with session_factory() as session:
        assert check_password(session, "mod", "correct horse battery").prefs == {
            "blur": False, "greyscale": True}
