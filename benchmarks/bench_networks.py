"""What recording prints and finding links adds to listing scoring, with 100,000 prints stored.

    PYTHONSAFEPATH=1 .venv/bin/python -m benchmarks bench_networks
    BENCH_PRINTS=1000000 PYTHONSAFEPATH=1 .venv/bin/python -m benchmarks bench_networks
    BENCH_CAPTION_LINES=8 PYTHONSAFEPATH=1 .venv/bin/python -m benchmarks bench_networks
    BENCH_POSTGRES=postgresql://postgres@127.0.0.1:5432/test \
        PYTHONSAFEPATH=1 .venv/bin/python -m benchmarks bench_networks

In process (FastAPI TestClient) on a fresh SQLite database under var/bench/networks/ (or,
with BENCH_POSTGRES naming an admin URL, a throwaway PostgreSQL database, dropped after): it
stores BENCH_PRINTS (100,000) photo prints of other sellers, each its own group with its
member (random PDQ and pHash: uniform codes, so buckets are as even as they get; a real
platform's similar-looking photos fill some buckets more), bulk-inserted, then scores
BENCH_LISTINGS listings of nine new 480 px photos with a caption, alternating two modes
within the same run:

- baseline: scoring with the networks step skipped (its function replaced by one returning
  no links, so nothing is recorded or looked up);
- networks: scoring as served (prints recorded, groups searched, links computed).

It prints the p50 of each, their ratio, and the networks step's own p50 (timed inside the
request). The photo groups are searched in an in-process index (service/networks/runtime.py)
that the app loads at start-up; the seeded groups reach the running app's index through
its sync before the first networks listing (not timed), and the bench also times loading
them all as a restarted process would, with the resident memory that load adds.
"""

from __future__ import annotations

import base64
import os
import random
import shutil
import statistics
import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import insert, text

from benchmarks.bench_fuzz import throwaway_postgres
from service.app.factory import create_app
from service.auth.service import Role, create_key
from service.kit.db import utcnow
from service.kit.migrate import upgrade
from service.kit.settings import Settings
from service.listings import service as listings_service
from service.networks.runtime import PhotoGroupIndex
from service.networks.tables import NetworkGroup, NetworkMember, NetworkPrint

PRINTS = int(os.environ.get("BENCH_PRINTS", "100000"))
LISTINGS = int(os.environ.get("BENCH_LISTINGS", "12"))
# BENCH_CAPTION_LINES=8: a supplier's multi-line caption, recorded as the whole caption and
# each long line (models/networks/captions.caption_prints): up to nine caption prints.
CAPTION_LINES = int(os.environ.get("BENCH_CAPTION_LINES", "1"))
POSTGRES_ADMIN_URL = os.environ.get("BENCH_POSTGRES")
ROOT = Path("var/bench/networks")


def seed_prints(app: Any, count: int) -> float:
    started = time.perf_counter()
    rng = random.Random(0)
    now = utcnow()
    factory = app.state.trust.session_factory
    batch = 5000
    for start in range(0, count, batch):
        groups, members, prints = [], [], []
        for n in range(start, min(count, start + batch)):
            pdq, phash = rng.randbytes(32), rng.randbytes(8)
            gid = n + 1
            groups.append({"id": gid, "platform_id": "shop-a", "kind": "photo",
                           "code": pdq + phash, "sellers": 1, "catalog": False,
                           "created_at": now})
            members.append({"group_id": gid, "seller_id": f"other-{n}", "first_seen": now})
            prints.append({"platform_id": "shop-a", "seller_id": f"other-{n}",
                           "listing_id": f"O{n}", "kind": "photo", "photo_index": 0,
                           "pdq": pdq, "phash": phash, "quality": 100, "catalog": False,
                           "group_id": gid, "created_at": now})
        with factory() as session:
            for table, rows in ((NetworkGroup, groups), (NetworkMember, members),
                                (NetworkPrint, prints)):
                session.execute(insert(table), rows)
            session.commit()
    with factory() as session:
        if session.get_bind().dialect.name == "postgresql":  # ids were given: catch up
            session.execute(text("SELECT setval(pg_get_serial_sequence('network_groups', "
                                 "'id'), (SELECT max(id) FROM network_groups))"))
            session.execute(text("ANALYZE"))
            session.commit()
    return time.perf_counter() - started


def caption(n: int) -> str:
    """The listing's caption: one line, or CAPTION_LINES long lines."""
    if CAPTION_LINES <= 1:
        return f"新款小羊皮链条包 专柜品质 第{n}批 私聊拿货价"
    return "\n".join(f"新款小羊皮链条包 专柜品质 五金不掉色 第{n}批 第{line}行 私聊拿货价"
                     for line in range(CAPTION_LINES))


def candidate_plan(app: Any) -> str:
    """The database's plan for the caption candidate read (service/networks/repository.py)."""
    with app.state.trust.session_factory() as session:
        postgres = session.get_bind().dialect.name == "postgresql"
        explain = "EXPLAIN" if postgres else "EXPLAIN QUERY PLAN"
        rows = session.execute(text(
            f"{explain} SELECT group_id FROM network_group_keys WHERE platform_id = 'shop-a' "
            "AND kind = 'caption' AND key IN (1, 65537, 131073)"))
        return "\n".join(" ".join(str(c) for c in row) for row in rows)


def resident_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def load_index(app: Any) -> None:
    """What a restarted process does at start-up: load every photo group."""
    before = resident_mb()
    started = time.perf_counter()
    with app.state.trust.session_factory() as session:
        index = PhotoGroupIndex.loaded(session)
    elapsed = time.perf_counter() - started
    grown = resident_mb() - before
    groups = max(1, len(index))
    print(f"index load (restart): {len(index)} photo groups in {elapsed:.1f} s; index holds "
          f"{index.nbytes / 2**20:.1f} MB ({index.nbytes / groups:.0f} bytes a group), "
          f"resident memory +{grown:.1f} MB ({grown * 2**20 / groups:.0f} bytes a group, "
          "with the load's transient rows)")
    del index


def photos(n: int) -> list[str]:
    import io

    from trustdata.copydetect.sources import product_shot
    out = []
    for i in range(9):
        buf = io.BytesIO()
        product_shot(10_000 + n * 9 + i, size=480).save(buf, "JPEG", quality=85)
        out.append(base64.b64encode(buf.getvalue()).decode())
    return out


def main() -> None:
    with throwaway_postgres(POSTGRES_ADMIN_URL) as postgres_url:
        run(postgres_url)


def run(postgres_url: str | None) -> None:
    shutil.rmtree(ROOT, ignore_errors=True)
    ROOT.mkdir(parents=True)
    database_url = postgres_url or f"sqlite:///{ROOT / 'trustd.db'}"
    print(f"database: {database_url.split('://')[0]}")
    settings = Settings(env="test", database_url=database_url,
                        var_dir=ROOT / "var", log_json=False, log_level="WARNING",
                        listing_inline_local_budget_ms=0.0)
    upgrade(settings.database_url)
    app = create_app(settings, load_in_background=False)
    step_ms: list[float] = []
    served: Any = listings_service._networks

    def timed(*args: Any) -> Any:
        t0 = time.perf_counter()
        out = served(*args)
        step_ms.append((time.perf_counter() - t0) * 1e3)
        return out

    with TestClient(app) as client:
        with app.state.trust.session_factory() as session:
            key = create_key(session, Role.platform, "shop-a", "shop-a")
            session.commit()
        headers = {"Authorization": f"Bearer {key.secret}"}
        seeded = seed_prints(app, PRINTS)
        print(f"stored {PRINTS} prints in {seeded:.1f} s")
        print(f"caption candidate read plan:\n{candidate_plan(app)}")
        load_index(app)
        bodies = [{"listing_id": f"L{n}", "seller_id": f"seller-{n}", "price": 300,
                   "currency": "CNY", "caption": caption(n),
                   "images": [{"data": d} for d in photos(n)]} for n in range(2 * LISTINGS + 2)]
        timings: dict[str, list[float]] = {"baseline": [], "networks": []}
        for n, body in enumerate(bodies):
            mode = "baseline" if n % 2 == 0 else "networks"
            chosen: Any = (lambda *a: []) if mode == "baseline" else timed
            listings_service._networks = chosen
            t0 = time.perf_counter()
            answer = client.post("/v1/listings/score", json=body, headers=headers)
            elapsed = (time.perf_counter() - t0) * 1e3
            assert answer.status_code == 200, answer.text
            if n >= 2:  # the first of each mode warms caches and connections
                timings[mode].append(elapsed)
        listings_service._networks = served
    base, net = (statistics.median(timings[m]) for m in ("baseline", "networks"))
    print(f"listings per mode: {len(timings['baseline'])} (9 photos each, cold)")
    print(f"p50 scoring, baseline (no networks): {base:.1f} ms")
    print(f"p50 scoring, networks:               {net:.1f} ms")
    print(f"ratio networks / baseline:           {net / base:.3f}")
    print(f"p50 networks step inside the request: {statistics.median(step_ms[1:]):.1f} ms "
          f"(max {max(step_ms[1:]):.1f} ms)")


if __name__ == "__main__":
    main()
