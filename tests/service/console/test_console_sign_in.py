"""Accounts, sign-in and sign-out, sessions, CSRF and the sign-in rate limit."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from service.app.cli import main
from service.console.people import check_password, create_person
from service.console.tables import ConsolePerson, ConsoleSession
from service.kit.errors import Conflict, Unprocessable
from tests.service.console.conftest import PASSWORD, sign_in


def test_passwords_are_stored_as_argon2id_hashes(session_factory, people):
    with session_factory() as session:
        record = session.scalar(select(ConsolePerson).where(ConsolePerson.username == "mod"))
        assert record.password_hash.startswith("$argon2id$")
        assert PASSWORD not in record.password_hash
        assert check_password(session, "mod", PASSWORD) is not None
        assert check_password(session, "MOD", PASSWORD) is not None  # names are case-blind
        assert check_password(session, "mod", PASSWORD + "x") is None
        assert check_password(session, "nobody", PASSWORD) is None


def test_account_rules(session_factory, people):
    with session_factory() as session:
        with pytest.raises(Unprocessable):
            create_person(session, "x1", "platform", PASSWORD)  # not a console role
        with pytest.raises(Unprocessable):
            create_person(session, "short-pass", "moderator", "123")
        with pytest.raises(Unprocessable):
            create_person(session, "bad name!", "moderator", PASSWORD)
        with pytest.raises(Unprocessable):
            create_person(session, "tenant-admin", "admin", PASSWORD, "shop-a")
        with pytest.raises(Conflict):
            create_person(session, "Mod", "moderator", PASSWORD)


def test_sign_in_sets_a_strict_http_only_session_cookie_and_sign_out_ends_it(client, people):
    client.get("/console/sign-in")
    response = client.post("/console/sign-in", data={
        "username": "mod", "password": PASSWORD,
        "csrf": client.cookies.get("trustd_console_pre")}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/console/queue"
    cookie = next(c for c in response.headers.get_list("set-cookie")
                  if c.startswith("trustd_console="))
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    queue = client.get("/console/queue")
    assert queue.status_code == 200
    assert "script-src 'self'" in queue.headers["content-security-policy"]
    assert "unsafe-inline" not in queue.headers["content-security-policy"]
    token = queue.text.split('data-csrf="', 1)[1].split('"', 1)[0]
    out = client.post("/console/sign-out", data={"csrf": token}, follow_redirects=False)
    assert out.status_code == 303
    again = client.get("/console/queue", follow_redirects=False)
    assert again.status_code == 303
    assert again.headers["location"] == "/console/sign-in"


def test_the_cookie_is_secure_outside_dev(make_settings, database_url, people):
    from fastapi.testclient import TestClient

    from service.app.factory import create_app

    app = create_app(make_settings(database_url=database_url), load_in_background=False)
    with TestClient(app, base_url="https://testserver") as secure_client:
        secure_client.get("/console/sign-in")
        response = secure_client.post("/console/sign-in", data={
            "username": "mod", "password": PASSWORD,
            "csrf": secure_client.cookies.get("trustd_console_pre")}, follow_redirects=False)
    cookie = next(c for c in response.headers.get_list("set-cookie")
                  if c.startswith("trustd_console="))
    assert "Secure" in cookie


def test_wrong_password_and_missing_form_token_are_refused(client, people):
    client.get("/console/sign-in")
    nonce = client.cookies.get("trustd_console_pre")
    wrong = client.post("/console/sign-in", data={"username": "mod", "password": "nope-nope-nope",
                                                  "csrf": nonce})
    assert wrong.status_code == 401
    assert 'id="sign-in-error"' in wrong.text
    forged = client.post("/console/sign-in", data={"username": "mod", "password": PASSWORD,
                                                   "csrf": "made-up"})
    assert forged.status_code == 403
    assert "trustd_console=" not in forged.headers.get("set-cookie", "")


def test_every_state_change_needs_the_csrf_token(client, people, make_item):
    token = sign_in(client, "mod")
    item = make_item()
    refused = client.post(f"/console/items/{item}/claim")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "csrf_failed"
    wrong = client.post(f"/console/items/{item}/claim", headers={"X-CSRF-Token": "x" * 43})
    assert wrong.status_code == 403
    assert client.post("/console/sign-out").status_code == 403  # no token: still signed in
    assert client.get("/console/queue", follow_redirects=False).status_code == 200
    ok = client.post(f"/console/items/{item}/claim", headers={"X-CSRF-Token": token},
                     follow_redirects=False)
    assert ok.status_code == 303


def _start_of_a_fresh_minute() -> None:
    """The limiter counts in windows aligned to the minute (a sliding-window counter weighs
    the previous window by the time left): a burst that straddles a boundary is judged
    against less than the full previous count. Start the burst well inside one window."""
    left = 60.0 - time.time() % 60.0
    if left < 15.0:
        time.sleep(left + 0.05)


def test_sign_in_is_rate_limited(client, people):
    client.get("/console/sign-in")
    _start_of_a_fresh_minute()
    nonce = client.cookies.get("trustd_console_pre")
    statuses = [client.post("/console/sign-in", data={
        "username": "mod", "password": f"wrong-{i}-password", "csrf": nonce}).status_code
        for i in range(12)]
    assert statuses[:10] == [401] * 10
    assert statuses[10:] == [429, 429]
    # the right password is refused too until the window passes
    late = client.post("/console/sign-in", data={"username": "mod", "password": PASSWORD,
                                                  "csrf": nonce})
    assert late.status_code == 429
    assert "Retry-After" in late.headers


def test_an_idle_session_expires(client, people, session_factory):
    sign_in(client, "mod")
    with session_factory() as session:
        session.execute(update(ConsoleSession).values(
            last_seen_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=31)))
        session.commit()
    response = client.get("/console/queue", follow_redirects=False)
    assert response.status_code == 303
    with session_factory() as session:
        assert session.scalar(select(ConsoleSession)) is None  # deleted, not just ignored


def test_htmx_requests_of_a_signed_out_browser_are_sent_to_sign_in(client, people):
    response = client.post("/console/items/1/claim", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/console/sign-in"


def test_cli_creates_a_person_and_prints_the_password_once(settings, monkeypatch):
    monkeypatch.setenv("TRUST_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("TRUST_ENV", "test")
    from service.kit.settings import get_settings

    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(main, ["users", "create", "--role", "moderator",
                                           "--name", "cli-mod", "--platform", "shop-b"])
        assert result.exit_code == 0, result.output
        password = result.output.split("password (shown once): ", 1)[1].strip()
        piped = CliRunner().invoke(main, ["users", "create", "--role", "admin", "--name",
                                          "cli-admin", "--password-stdin"],
                                   input="a-long-enough-password\n")
        assert piped.exit_code == 0, piped.output
        assert "a-long-enough-password" not in piped.output
        duplicate = CliRunner().invoke(main, ["users", "create", "--role", "moderator",
                                              "--name", "cli-mod"])
        assert duplicate.exit_code != 0
        assert "already exists" in duplicate.output
    finally:
        get_settings.cache_clear()
    from service.console.people import check_password as check
    from service.kit.db import create_db_engine, make_session_factory

    engine = create_db_engine(settings.database_url)
    with make_session_factory(engine)() as session:
        person = check(session, "cli-mod", password)
        assert person is not None and person.platform_id == "shop-b"
        assert check(session, "cli-admin", "a-long-enough-password") is not None
    engine.dispose()
