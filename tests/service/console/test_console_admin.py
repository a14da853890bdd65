"""Senior and admin pages: audit log with filters and CSV, appeals, accounts, bulk decisions."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient

from service.console.people import check_password
from service.kit.db import utcnow
from service.listings.tables import Listing
from service.review import service as review
from service.review.tables import ReviewItem
from tests.service.console.conftest import sign_in


def _decide(client, token, item, decision="approve", reason="genuine"):
    client.post(f"/console/items/{item}/claim", headers={"X-CSRF-Token": token})
    response = client.post(f"/console/items/{item}/decide",
                           data={"csrf": token, "decision": decision, "reason": reason})
    assert response.status_code in (200, 303), response.text


def test_the_audit_log_filters_and_exports_csv(browser_for, make_item):
    a, b = make_item(), make_item()
    mod, token = browser_for("mod")
    _decide(mod, token, a, "remove", "counterfeit")
    mod.post(f"/console/items/{b}/claim", headers={"X-CSRF-Token": token})
    mod.post(f"/console/items/{b}/decide", data={
        "csrf": token, "decision": "escalate", "reason": "needs_senior",
        "note": "=HYPERLINK(\"http://x\")"})
    senior, _ = browser_for("senior")
    page = senior.get(f"/console/audit?item={a}&action=decision").text
    assert page.count('data-audit-id="') == 1 and ">mod<" in page
    assert senior.get("/console/audit?person=nobody").text.count('data-audit-id="') == 0
    today = utcnow().date().isoformat()
    assert f"/console/items/{b}" in senior.get(f"/console/audit?since={today}").text
    assert senior.get("/console/audit?since=2001-01-01&until=2001-01-02").text.count(
        'data-audit-id="') == 0
    exported = senior.get("/console/audit.csv?action=decision")
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [(r["item_id"], r["actor_name"], r["decision"], r["reason_codes"]) for r in rows] == [
        (str(a), "mod", "remove", "counterfeit")]
    escalated = list(csv.DictReader(io.StringIO(
        senior.get("/console/audit.csv?action=escalate").text)))
    assert [r["note"] for r in escalated] == ["'=HYPERLINK(\"http://x\")"]  # inert text
    assert mod.get("/console/audit").status_code == 403  # moderators do not read it
    assert senior.get("/console/audit?item=zero").status_code == 422


def test_appeals_show_the_earlier_decision_and_who_may_not_take_it(browser_for, make_item,
                                                                  session_factory):
    item = make_item()
    mod, token = browser_for("mod")
    _decide(mod, token, item, "remove", "counterfeit")
    with session_factory() as session:
        record = session.get(ReviewItem, item)
        listing = session.get(Listing, record.listing_pk)
        review.appeal(session, "shop-a", listing.listing_id,
                      review.Actor("platform:shop-a", "shop-a"), "seller sent a receipt",
                      utcnow())
    senior, _ = browser_for("senior")
    page = senior.get("/console/appeals").text
    assert f'data-item-id="{item}"' in page and "seller sent a receipt" in page
    item_page = mod.get(f"/console/items/{item}").text
    assert 'id="appeal-note"' in item_page
    assert "the earlier decision was remove, by mod, who may not take this item" in item_page
    refused = mod.post(f"/console/items/{item}/claim", headers={"X-CSRF-Token": token})
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "moderator_excluded"


def test_admins_manage_accounts(browser_for, session_factory):
    boss, token = browser_for("boss")
    created = boss.post("/console/accounts", data={
        "csrf": token, "username": "newbie", "role": "moderator", "platform": "shop-c",
        "password": "a-long-enough-password"}, follow_redirects=False)
    assert created.status_code == 303
    assert "newbie" in boss.get("/console/accounts").text
    weak = boss.post("/console/accounts", data={
        "csrf": token, "username": "weak", "role": "moderator", "password": "short"})
    assert weak.status_code == 422
    taken = boss.post("/console/accounts", data={
        "csrf": token, "username": "mod", "role": "moderator",
        "password": "a-long-enough-password"})
    assert taken.status_code == 409 and 'id="account-error"' in taken.text
    tenant_admin = boss.post("/console/accounts", data={
        "csrf": token, "username": "tenant-boss", "role": "admin", "platform": "shop-a",
        "password": "a-long-enough-password"})
    assert tenant_admin.status_code == 422 and "not to a platform" in tenant_admin.text
    with session_factory() as session:
        newbie = check_password(session, "newbie", "a-long-enough-password")
        assert newbie is not None and newbie.platform_id == "shop-c"
        newbie_id = newbie.id
    signed = TestClient(boss.app)
    sign_in(signed, "newbie", "a-long-enough-password")
    assert signed.get("/console/queue").status_code == 200
    boss.post(f"/console/accounts/{newbie_id}/disable", data={"csrf": token})
    assert signed.get("/console/queue", follow_redirects=False).status_code == 303  # out
    with session_factory() as session:
        boss_id = check_password(session, "boss", "correct horse battery").id
    own = boss.post(f"/console/accounts/{boss_id}/disable", data={"csrf": token})
    assert own.status_code == 403
    mod, mod_token = browser_for("mod")
    assert mod.get("/console/accounts").status_code == 403
    assert mod.post("/console/accounts", data={
        "csrf": mod_token, "username": "sneaky", "role": "admin",
        "password": "a-long-enough-password"}).status_code == 403


def test_bulk_decisions_skip_what_another_moderator_holds(browser_for, make_item,
                                                          session_factory):
    a, b, c = make_item(), make_item(), make_item()
    other, other_token = browser_for("mod2")
    other.post(f"/console/items/{c}/claim", headers={"X-CSRF-Token": other_token})
    mod, token = browser_for("mod")
    response = mod.post("/console/bulk", data={"csrf": token, "items": [a, b, c],
                                               "decision": "approve", "reason": "genuine"},
                        follow_redirects=False)
    assert response.headers["location"] == "/console/queue?bulk_done=2&bulk_refused=1"
    with session_factory() as session:
        assert [session.get(ReviewItem, i).status for i in (a, b, c)] == [
            "decided", "decided", "open"]
        assert session.get(ReviewItem, c).lease_holder_name == "mod2"
    assert 'id="bulk-result"' in mod.get(response.headers["location"]).text
