"""A report-form token files one report: posting it again, from this process or another one
sharing the database, is refused and stores nothing more."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from service.app.factory import create_app
from service.badges.tables import UsedFormToken
from service.sellers.tables import SellerFeedback


def form_token(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match
    return match.group(1)


def count(session_factory, table) -> int:
    with session_factory() as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def test_a_form_token_files_one_report(client: TestClient, session_factory, settings) -> None:
    token = form_token(client.get("/s/seller-1").text)
    nonce = client.cookies.get("trustd_csrf")
    form = {"csrf": token, "rating": "1", "counterfeit_suspected": "1"}
    first = client.post("/s/seller-1/report", data=form, follow_redirects=False)
    assert first.status_code == 303
    # The cookie is replaced after a report: the next page's token differs from the spent one.
    assert client.cookies.get("trustd_csrf") != nonce
    assert form_token(client.get("/s/seller-1").text) != token
    # The captured post replayed with its cookie: refused, nothing stored.
    client.cookies.clear()
    client.cookies.set("trustd_csrf", nonce)
    again = client.post("/s/seller-1/report", data=form, follow_redirects=False)
    assert again.status_code == 403
    assert "already sent" in again.text
    assert count(session_factory, SellerFeedback) == 1
    # Another server process on the same database refuses it too.
    with TestClient(create_app(settings, load_in_background=False)) as other:
        other.cookies.set("trustd_csrf", nonce)
        replayed = other.post("/s/seller-1/report", data=form, follow_redirects=False)
    assert replayed.status_code == 403
    assert count(session_factory, SellerFeedback) == 1
    assert count(session_factory, UsedFormToken) == 1
    # A fresh page's token still works.
    client.cookies.clear()
    fresh = form_token(client.get("/s/seller-1").text)
    assert client.post("/s/seller-1/report", data={**form, "csrf": fresh},
                       follow_redirects=False).status_code == 303
    assert count(session_factory, SellerFeedback) == 2
