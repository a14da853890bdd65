"""How long badge.json keeps the old tier after a moderator removes a listing as counterfeit:
in the process that took the decision and in another app process on the same database, with
Redis and without (each app instance has its own memo and cache, as a server process does).

    make bench ONLY=badge_freshness
    TRUST_BENCH_COMPARE_ROOT=/path/to/other/checkout make bench ONLY=badge_freshness

Each measurement runs in a child process on the checkout's code; polls every 0.1 s, up to
70 s.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
REDIS_URL = os.environ.get("TRUST_BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")

_MEASURE = r'''
import json, sys, tempfile, time
from contextlib import ExitStack
from pathlib import Path
from fastapi.testclient import TestClient
from redis import Redis
from service.app.factory import create_app
from service.auth.service import Role, create_key
from service.kit.db import utcnow
from service.kit.migrate import upgrade
from service.kit.settings import Settings
from service.listings.tables import Listing, ListingAssessment
from service.review import service as review

redis_url = sys.argv[1] or None
if redis_url:
    Redis.from_url(redis_url).flushdb()
work = Path(tempfile.mkdtemp())
url = f"sqlite:///{work / 'badge.db'}"
upgrade(url)
settings = Settings(env="test", database_url=url, var_dir=work / "var", log_json=False,
                    redis_url=redis_url)
with ExitStack() as stack:
    one = stack.enter_context(TestClient(create_app(settings, load_in_background=False)))
    other = stack.enter_context(TestClient(create_app(settings, load_in_background=False)))
    with one.app.state.trust.session_factory() as session:
        moderator = create_key(session, Role.moderator, "m")
        listing = Listing(platform_id="p", listing_id="L1", seller_id="sx", current_version=1)
        session.add(listing)
        session.flush()
        assessment = ListingAssessment(listing_pk=listing.id, version=1, content_hash="0" * 64,
                                       risk=0.9, level="high", decision="review", brand=None,
                                       reason_codes=[], result={"risk": 0.9})
        session.add(assessment)
        session.flush()
        item = review.enqueue(session, listing, assessment, utcnow())
        session.commit()
    headers = {"Authorization": f"Bearer {moderator.secret}"}
    for client in (one, other):  # each process now holds the seller's badge
        assert client.get("/v1/sellers/sx/badge.json").json()["message"] == "new"
    one.post(f"/v1/review/items/{item.id}/claim", headers=headers)
    one.post(f"/v1/review/items/{item.id}/decision", headers=headers,
             json={"decision": "remove", "reason_codes": ["counterfeit"]})
    started, seen = time.monotonic(), {}
    while time.monotonic() - started < 70 and len(seen) < 2:
        for name, client in (("deciding process", one), ("other process", other)):
            if name not in seen and client.get(
                    "/v1/sellers/sx/badge.json").json()["message"] == "warning":
                seen[name] = round(time.monotonic() - started, 2)
        time.sleep(0.1)
    if redis_url:
        Redis.from_url(redis_url).flushdb()
print(json.dumps(seen))
'''


def measure(root: Path, redis_url: str) -> dict[str, float]:
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("TRUST_")},
           "PYTHONSAFEPATH": "1", "PYTHONPATH": f"{root}:{root / 'datasets'}"}
    with tempfile.TemporaryDirectory() as cwd:
        done = subprocess.run([sys.executable, "-P", "-c", _MEASURE, redis_url], env=env,
                              cwd=cwd, capture_output=True, text=True, timeout=600, check=True)
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    roots = [("this checkout", REPO)]
    other = os.environ.get("TRUST_BENCH_COMPARE_ROOT")
    if other:
        roots.append(("compared checkout", Path(other)))
    print("| code | Redis | deciding process | other process |\n|---|---|---|---|")
    for name, root in roots:
        for label, url in (("yes", REDIS_URL), ("no", "")):
            seen = measure(root, url)
            cells = [f"{seen[k]:.2f} s" if k in seen else "> 70 s"
                     for k in ("deciding process", "other process")]
            print(f"| {name} | {label} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
