"""CSRF form tokens and the page renderer, without the web stack."""

from __future__ import annotations

from service.badges import csrf
from service.badges.page import SellerPageView, TokenCheck, humanize_age, render_seller_page

SECRET = b"s" * 32


def test_form_token_is_bound_to_nonce_seller_and_time():
    nonce = csrf.new_nonce()
    token = csrf.form_token(SECRET, nonce, "seller-1", now=1_000_000)
    assert csrf.check_form_token(SECRET, nonce, "seller-1", token, now=1_000_100)
    assert not csrf.check_form_token(SECRET, csrf.new_nonce(), "seller-1", token, now=1_000_100)
    assert not csrf.check_form_token(SECRET, nonce, "seller-2", token, now=1_000_100)
    assert not csrf.check_form_token(b"t" * 32, nonce, "seller-1", token, now=1_000_100)
    late = 1_000_000 + csrf.MAX_AGE_SECONDS + 1
    assert not csrf.check_form_token(SECRET, nonce, "seller-1", token, now=late)
    assert not csrf.check_form_token(SECRET, nonce, "seller-1", token, now=999_000)
    issued, mac = token.split(".")
    assert not csrf.check_form_token(SECRET, nonce, "seller-1", f"{int(issued) + 1}.{mac}", 1e6)
    assert not csrf.check_form_token(SECRET, None, "seller-1", token, now=1_000_100)
    assert not csrf.check_form_token(SECRET, nonce, "seller-1", "garbage", now=1_000_100)


def test_humanize_age():
    assert humanize_age(None) == "no feedback yet"
    assert humanize_age(0.2) == "today"
    assert humanize_age(1) == "1 day ago"
    assert humanize_age(12) == "12 days ago"
    assert humanize_age(120) == "4 months ago"
    assert humanize_age(1000) == "3 years ago"


def test_page_escapes_every_value():
    evil = '<img src=x onerror="alert(1)">'
    view = SellerPageView(
        seller_id=evil,
        tier="gold",
        score=evil,
        feedback_count=3,
        last_feedback=evil,
        reasons=[evil],
        badge_svg="<svg></svg>",
        qr_svg="<svg></svg>",
        page_path="/s/x",
        page_url=evil,
        report_path="/s/x/report",
        csrf_token=evil,
        token_value=evil,
        check=TokenCheck(False, evil, [evil]),
        notice=evil,
    )
    page = render_seller_page(view)
    assert "<img" not in page
    # ten fields, the seller id twice (title and heading)
    assert page.count("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;") == 11
