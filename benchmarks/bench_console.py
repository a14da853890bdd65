"""The moderator console at 100,000 open items: the queue page and "Submit and next", against
the JSON review API measured in the same run, on SQLite and (when reachable) PostgreSQL.

    PYTHONSAFEPATH=1 .venv/bin/python -m benchmarks bench_console

Builds a fresh database under var/bench/ with 100,000 open review items (levels, ages and
risks spread out; the items reviewed first carry a stored listing photo with a keypoint-box
match, as a real item does), serves the real app with uvicorn on a local port and drives it
with one keep-alive client, one request at a time (a moderator's pace, not a load test):

- JSON queue: `GET /v1/review/queue?limit=50` with a moderator key (the baseline);
- console queue page: `GET /console/queue` signed in (counts by queue, level and age, and the
  first 50 items), and a page 20 pages deep through its cursor;
- Submit and next: `POST /console/items/{id}/decide` as htmx sends it; the answer is the next
  item's page, claimed (what the moderator sees next, without a page load);
- the same step through the JSON API: decide, then `GET /v1/review/queue?limit=1`, claim it
  and `GET /v1/review/items/{id}` (what a client of the API must do for the next item).

Targets (issue 19): queue page p50 <= 100 ms, Submit and next p50 <= 150 ms.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import shutil
import socket
import statistics
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import uvicorn
from sqlalchemy import create_engine, insert, text

from service.app.factory import create_app
from service.auth.service import Role, create_key
from service.catalog.demo import product_photo
from service.console.people import create_person
from service.kit.db import create_db_engine, make_session_factory, normalize_database_url
from service.kit.migrate import upgrade
from service.kit.settings import Settings
from service.listings.tables import Listing, ListingAssessment, ListingPhoto
from service.review.tables import ReviewItem

ITEMS = 100_000
WITH_PHOTOS = 400  # the items at the head of the queue, the ones the run decides
ROUNDS = 60
PASSWORD = "bench-password-123"
LEVELS = (("high", 0.2, 0.85), ("medium", 0.5, 0.6), ("low", 0.3, 0.35))
POSTGRES_ADMIN_URL = os.environ.get("TRUST_TEST_POSTGRES_URL",
                                    "postgresql://postgres@127.0.0.1:5432/test")


def _result(photo: bool) -> dict[str, object]:
    return {
        "risk": 0.9, "level": "high", "decision": "review", "photos_checked": 1 if photo else 0,
        "image_matches": [{"photo_index": 0, "catalog_image_id": 1, "product_id": 1,
                           "brand": "Maison Verdier", "confidence": 0.96,
                           "method": "orb:box:120,80,520,560"}] if photo else [],
        "reasons": [{"code": "official_photo_unauthorized_seller", "contribution": 2.1,
                     "evidence": {}},
                    {"code": "price_far_below_list", "contribution": 1.4, "evidence": {}}],
        "caption": {"text": "全新 高仿 一比一 私聊", "probability": 0.9, "label": "counterfeit",
                    "spans": [{"start": 3, "end": 5, "term": "高仿",
                               "category": "replica_term"}]},
        "price_check": {"product_id": 1, "brand": "Maison Verdier", "list_price": 4200.0,
                        "list_currency": "USD", "price": 650.0, "currency": "USD",
                        "ratio": 0.1548},
        "seller": {"seller_id": "s", "available": True, "tier": "warning", "score": 0.3,
                   "feedback_count": 9, "counterfeit_reports": 2, "confirmed_counterfeits": 1},
        "image_check": {"status": "complete", "stages": ["hash", "local"]},
    }


def build(url: str) -> None:
    """100,000 open items in three levels over three days, inserted in bulk."""
    upgrade(url)
    engine = create_db_engine(url)
    rng = random.Random(19)
    now = dt.datetime.now(dt.UTC)
    rows = []
    for i in range(1, ITEMS + 1):
        pick, level, risk = rng.random(), "low", 0.35
        for name, share, base in LEVELS:
            if pick < share:
                level, risk = name, base
                break
            pick -= share
        rows.append((i, level, round(risk + rng.random() * 0.14, 4),
                     now - dt.timedelta(seconds=rng.randint(60, 3 * 86400))))
    rank = {"high": 0, "medium": 1, "low": 2}
    head = {r[0] for r in sorted(rows, key=lambda r: (rank[r[1]], r[3], -r[2], r[0]))
            [:WITH_PHOTOS]}
    photo = product_photo(0)
    with engine.begin() as conn:
        for start in range(0, ITEMS, 10_000):
            chunk = rows[start:start + 10_000]
            conn.execute(insert(Listing), [
                {"id": i, "platform_id": f"shop-{i % 7}", "listing_id": f"L{i}",
                 "seller_id": f"seller-{i % 5000}", "current_version": 1, "created_at": at,
                 "updated_at": at} for i, _, _, at in chunk])
            conn.execute(insert(ListingAssessment), [
                {"id": i, "listing_pk": i, "version": 1, "content_hash": f"{i:064d}",
                 "risk": risk, "level": level, "decision": "review", "brand": "Maison Verdier",
                 "reason_codes": ["official_photo_unauthorized_seller"],
                 "result": _result(i in head), "created_at": at}
                for i, level, risk, at in chunk])
            conn.execute(insert(ReviewItem), [
                {"id": i, "platform_id": f"shop-{i % 7}", "listing_pk": i, "listing_id": f"L{i}",
                 "seller_id": f"seller-{i % 5000}", "assessment_id": i, "status": "open",
                 "queue": "standard", "risk": risk, "level": level, "suggested": "review",
                 "brand": "Maison Verdier",
                 "reason_codes": ",official_photo_unauthorized_seller,price_far_below_list,",
                 "appeals": 0, "enqueued_at": at, "updated_at": at}
                for i, level, risk, at in chunk])
        conn.execute(insert(ListingPhoto), [
            {"listing_pk": i, "content_hash": f"{i:064d}", "photo_index": 0,
             "sha256": f"{i:064d}", "data": photo} for i in sorted(head)])
        if engine.dialect.name == "postgresql":
            for table in ("listings", "listing_assessments", "review_items"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                  f"{ITEMS})"))
            conn.execute(text("ANALYZE"))
    with make_session_factory(engine)() as session:
        create_person(session, "bench-mod", "moderator", PASSWORD)
        session.commit()
    engine.dispose()


@contextmanager
def serving(url: str, var: Path) -> Iterator[str]:
    settings = Settings(env="test", database_url=url, var_dir=var, log_json=False,
                        log_level="WARNING", console_secure_cookies=False,
                        webhook_dispatcher_enabled=False)
    app = create_app(settings, load_in_background=False)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None,
                                           access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started and thread.is_alive():
        time.sleep(0.1)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def timed(calls: int, call: Callable[[], object]) -> list[float]:
    call()  # warm-up
    out = []
    for _ in range(calls):
        t0 = time.perf_counter()
        call()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def measure(base: str, api_key: str) -> dict[str, list[float]]:
    console = httpx.Client(base_url=base, timeout=30, headers={"accept-language": "zh-CN"},
                           follow_redirects=True)
    console.get("/console/sign-in")
    signed = console.post("/console/sign-in", data={
        "username": "bench-mod", "password": PASSWORD,
        "csrf": console.cookies.get("trustd_console_pre")})
    assert signed.status_code == 200, signed.status_code
    token = signed.text.split('data-csrf="', 1)[1].split('"', 1)[0]
    api = httpx.Client(base_url=base, timeout=30, headers={"Authorization": f"Bearer {api_key}"})

    def ok(response: httpx.Response) -> httpx.Response:
        assert response.status_code < 400, (response.status_code, response.text[:300])
        return response

    results = {"JSON queue (baseline)": timed(ROUNDS, lambda: ok(api.get(
        "/v1/review/queue", params={"limit": 50})))}
    results["console queue page"] = timed(ROUNDS, lambda: ok(console.get("/console/queue")))
    url = "/console/queue"
    for _ in range(20):
        page = ok(console.get(url)).text
        url = page.split('id="next-page" href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    results["console queue page 20 pages deep"] = timed(ROUNDS, lambda: ok(console.get(url)))
    started = ok(console.post("/console/next", data={"csrf": token}, follow_redirects=False))
    current = [int(started.headers["location"].rsplit("/", 1)[1])]

    def submit_and_next() -> None:
        response = ok(console.post(
            f"/console/items/{current[0]}/decide",
            headers={"HX-Request": "true", "X-CSRF-Token": token},
            data={"decision": "approve", "reason": "genuine"}))
        current[0] = int(response.headers["HX-Push-Url"].rsplit("/", 1)[1])

    results["console Submit and next"] = timed(ROUNDS, submit_and_next)
    held = [ok(api.get("/v1/review/queue", params={"limit": 1})).json()["items"][0]["id"]]
    ok(api.post(f"/v1/review/items/{held[0]}/claim"))

    def json_decide_and_next() -> None:
        ok(api.post(f"/v1/review/items/{held[0]}/decision",
                    json={"decision": "approve", "reason_codes": ["genuine"]}))
        following = ok(api.get("/v1/review/queue", params={"limit": 1})).json()["items"][0]["id"]
        ok(api.post(f"/v1/review/items/{following}/claim"))
        ok(api.get(f"/v1/review/items/{following}"))
        held[0] = following

    results["JSON decide + queue + claim + item"] = timed(ROUNDS, json_decide_and_next)
    console.close()
    api.close()
    return results


def run(label: str, url: str, var: Path) -> None:
    t0 = time.perf_counter()
    build(url)
    print(f"{label}: {ITEMS:,} open items built in {time.perf_counter() - t0:.0f} s", flush=True)
    engine = create_db_engine(url)
    with make_session_factory(engine)() as session:
        key = create_key(session, Role.moderator, "bench-json").secret
        session.commit()
    engine.dispose()
    with serving(url, var) as base:
        results = measure(base, key)
    baseline = statistics.median(results["JSON queue (baseline)"])
    print(f"\n| {label} | p50 ms | p90 ms | p50 / JSON queue |\n|---|---:|---:|---:|")
    for name, times in results.items():
        p50 = statistics.median(times)
        p90 = statistics.quantiles(times, n=10)[-1]
        print(f"| {name} | {p50:.1f} | {p90:.1f} | {p50 / baseline:.2f} |")
    print(flush=True)


def _postgres() -> tuple[str, Callable[[], None]] | None:
    admin_url = normalize_database_url(POSTGRES_ADMIN_URL)
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        print(f"PostgreSQL at {POSTGRES_ADMIN_URL} unreachable ({type(exc).__name__}): "
              "SQLite only")
        return None
    name = f"trustd_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return admin_url.rsplit("/", 1)[0] + "/" + name, drop


def main() -> None:
    var = Path("var/bench/console")
    shutil.rmtree(var, ignore_errors=True)
    var.mkdir(parents=True)
    run("SQLite", f"sqlite:///{var / 'console.db'}", var)
    postgres = _postgres()
    if postgres is not None:
        url, drop = postgres
        try:
            run("PostgreSQL", url, var)
        finally:
            drop()


if __name__ == "__main__":
    main()
