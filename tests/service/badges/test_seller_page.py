"""The public seller page: renders, verifies tokens, shows a QR, and its form files feedback."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from sqlalchemy import select

from service.badges import csrf
from service.sellers.tables import SellerFeedback


class Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def parse(html: str) -> list[tuple[str, dict[str, str | None]]]:
    collector = Collector()
    collector.feed(html)
    return collector.tags


def form_token(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match
    return match.group(1)


def stored(session_factory) -> list[SellerFeedback]:
    with session_factory() as session:
        return list(session.scalars(select(SellerFeedback)))


def test_page_renders_for_phones_without_external_assets(client):
    response = client.get("/s/seller-1")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    csp = response.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp
    assert response.headers["cache-control"] == "no-store"
    tags = parse(response.text)
    names = [t for t, _ in tags]
    assert "script" not in names and "link" not in names and "img" not in names and "iframe" not in names
    assert ("meta", {"name": "viewport", "content": "width=device-width, initial-scale=1"}) in tags
    for _, attrs in tags:
        for key in ("src", "href", "action"):
            value = attrs.get(key)
            assert value is None or value.startswith("/"), (key, value)
    assert 'Seller <span class="id">seller-1</span>' in response.text
    assert "no feedback yet" in response.text
    assert response.text.count("<svg") == 2  # badge and QR code
    assert "seller trust: new" in response.text
    cookie = response.cookies.get(csrf.COOKIE_NAME)
    assert cookie
    assert "samesite=strict" in response.headers["set-cookie"].lower()
    assert "httponly" in response.headers["set-cookie"].lower()


def test_page_shows_tier_score_count_and_age(client, api_keys, post_feedback, established_buyers):
    buyers = established_buyers(client, api_keys.platform, 4)
    for i, buyer in enumerate(buyers):
        post_feedback(client, api_keys.platform, order_id=f"g{i}", buyer_id=buyer, rating=5)
    page = client.get("/s/seller-1").text
    assert re.search(r"<dt>Feedback</dt><dd>4</dd>", page)
    assert "<dt>Last feedback</dt><dd>today</dd>" in page
    assert re.search(r'class="tier tier-(bronze|silver|gold)"', page)
    assert re.search(r"<dt>Score</dt><dd>\d+ / 100</dd>", page)


def test_page_verifies_a_presented_token(client, api_keys):
    token = client.get("/v1/sellers/seller-1/badge-token", headers=api_keys.platform).json()["token"]
    good = client.get("/s/seller-1", params={"token": token}).text
    assert "Genuine badge" in good
    forged = token[:-3] + ("AAA" if token[-3:] != "AAA" else "BBB")
    bad = client.get("/s/seller-1", params={"token": forged}).text
    assert "Not a genuine badge" in bad and "Genuine badge" not in bad
    elsewhere = client.get("/s/seller-2", params={"token": token}).text
    assert "belongs to a different seller" in elsewhere


def test_seller_ids_and_tokens_are_escaped(client):
    page = client.get("/s/seller-1", params={"token": '"><script>alert(1)</script>'}).text
    assert "<script>" not in page
    assert "&lt;script&gt;" in page or "&quot;&gt;&lt;script" in page
    assert client.get("/s/%3Cb%3E").status_code == 422


def test_report_form_files_anonymous_unverified_feedback(client, session_factory):
    page = client.get("/s/seller-1")
    response = client.post(
        "/s/seller-1/report",
        data={
            "csrf": form_token(page.text),
            "counterfeit_suspected": "1",
            "as_described": "no",
            "rating": "1",
            "comment": "fake logo stitching",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/s/seller-1?reported=1"
    [row] = stored(session_factory)
    assert row.seller_id == "seller-1"
    assert row.source == "public_form"
    assert row.verified_order is False
    assert row.counterfeit_suspected is True
    assert row.as_described is False
    assert row.comment == "fake logo stitching"
    assert row.buyer_key.startswith("bp_")
    assert "testclient" not in row.buyer_key
    thanks = client.get("/s/seller-1?reported=1").text
    assert "your report was filed" in thanks
    assert "<dt>Feedback</dt><dd>1</dd>" in thanks


def test_report_without_matching_csrf_is_refused_and_stores_nothing(client, session_factory):
    page = client.get("/s/seller-1")
    token = form_token(page.text)
    # No token at all.
    assert client.post("/s/seller-1/report", data={"rating": "1"}).status_code == 403
    # A token minted for another seller's page.
    other = form_token(client.get("/s/seller-2").text)
    assert client.post("/s/seller-1/report", data={"csrf": other}).status_code == 403
    # The right token but without the cookie it is bound to (a cross-site post).
    client.cookies.clear()
    assert client.post("/s/seller-1/report", data={"csrf": token}).status_code == 403
    assert stored(session_factory) == []
