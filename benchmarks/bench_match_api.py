"""`POST /v1/images/match` latency for nine 800x800 JPEGs, in process, on this machine.

    PYTHONSAFEPATH=1 .venv/bin/python -m benchmarks bench_match_api

A fresh SQLite database under var/bench/matching/ gets 60 catalog images enrolled through
the catalog API; then each request sends nine photos (one re-used catalog photo, one nine-
grid, one screenshot, six never-enrolled shots). The baseline is the pure matcher on the
same nine images with no HTTP, validation or database (decode with draft mode + recovery
+ hashing + keypoints + search + verification), so the ratio is what the web layer and
the lead's validating decode add; the hash stage alone (the matcher before local-feature
verification) is timed too. The API runs once per ``TRUST_BENCH_MATCH_CONFIGS`` entry
("runtime/threads": the descriptor's runtime and ``matching_analysis_threads``; default
the previous service, TorchScript with one thread, then the served one), each in a fresh
app over the same database.

The catalog's uploads alternate between one analysis thread and the served
``matching_analysis_threads``: the enrolment rate of each, same run.

``TRUST_BENCH_MATCH_DISTRACTORS=10000`` also enrols that many generated distractor products
(their evidence from training/distractor_cache.py, written straight into the database as the
catalog API would store it; their image bytes are a placeholder, since matching reads only
the stored evidence) before the requests, so the API is timed at catalog scale.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import random
import shutil
import statistics
import time
from pathlib import Path

from fastapi.testclient import TestClient
from PIL import Image
from skimage import data
from trustdata.copydetect import layouts
from trustdata.copydetect.sources import product_shot

from models.descriptor.model import ARTIFACT_DIR, load_descriptor, serve_artifact
from models.descriptor.runtime import RUNTIMES
from models.hashing.analysis import CatalogEvidence, analyse_catalog, analyse_query
from models.hashing.decode import decode_for_matching
from models.hashing.matcher import Matcher, enrollment_hashes
from models.hashing.pipeline import CatalogMatcher
from models.thresholds import DESCRIPTOR_MIN_CATALOG
from service.app.factory import create_app
from service.auth.service import Role, create_key
from service.catalog.hooks import CATALOG_IMAGE_HOOKS
from service.catalog.tables import CatalogImage
from service.kit.migrate import upgrade
from service.kit.settings import Settings
from service.matching import repository as matching_repository
from service.matching.service import MatchingCatalogHook
from training import distractor_cache as matching_cache

REQUESTS = 30
SIDE = 800
# The hash-only matcher's acceptance bound, from before the local stage and the unified
# rules (reports/matching/HISTORY.md): the baseline the hash-stage row is timed at.
PREVIOUS_MATCHER_MAX_SCORE = 11.0
SERVED_RUNTIME = RUNTIMES[0]
# "runtime/analysis threads" of each API run: how the service ran before (TorchScript, one
# photo at a time) next to how it runs now, on the same catalog in the same process
CONFIGS = os.environ.get("TRUST_BENCH_MATCH_CONFIGS",
                         f"torchscript/1,{SERVED_RUNTIME}/2").split(",")
ROOT = Path("var/bench/matching")


def _jpeg(img: Image.Image, side: int = SIDE) -> bytes:
    out = io.BytesIO()
    img.convert("RGB").resize((side, side), Image.Resampling.BICUBIC).save(out, "JPEG", quality=88)
    return out.getvalue()


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def _cache_distractors(n: int) -> None:
    """Computes what the cache lacks, in worker processes forked before the app starts: a
    fork taken while the app's threads hold locks (its event loop, its models) hangs."""
    artifact = load_descriptor().version
    with multiprocessing.get_context("fork").Pool(
            2, matching_cache.init_worker, (artifact,)) as pool:
        matching_cache.ensure(n, pool, artifact)


def _enrol_distractors(client: TestClient, product_id: int, n: int) -> None:
    artifact = load_descriptor().version
    factory = client.app.state.trust.session_factory  # type: ignore[attr-defined]
    rows = matching_cache.load(n, artifact)
    for start in range(0, n, 1000):
        batch = [next(rows) for _ in range(min(1000, n - start))]
        with factory() as session:
            images = [CatalogImage(product_id=product_id, sha256=f"distractor-{j:064d}"[-64:],
                                   byte_size=1, format="JPEG", width=640, height=640,
                                   data=b"\xff") for j, *_ in batch]
            session.add_all(images)
            session.flush()
            for image, (_, hashes, local, desc) in zip(images, batch, strict=True):
                matching_repository.add_evidence(session, image.id,
                                                 CatalogEvidence(hashes, local, desc))
            session.commit()


def main() -> None:
    distractors = int(os.environ.get("TRUST_BENCH_MATCH_DISTRACTORS", "0"))
    if distractors:
        _cache_distractors(distractors)
    shutil.rmtree(ROOT, ignore_errors=True)
    ROOT.mkdir(parents=True)
    settings = Settings(env="test", var_dir=ROOT, database_url=f"sqlite:///{ROOT}/bench.db",
                        log_json=False)
    upgrade(settings.database_url)
    catalog = [Image.fromarray(data.astronaut()), Image.fromarray(data.coffee())]
    catalog += [product_shot(s, 600) for s in range(900, 958)]
    others = [product_shot(s, 600) for s in range(2000, 2000 + 6 * REQUESTS + 8)]
    requests = []
    for n in range(REQUESTS):
        photo = catalog[n % 2]
        nine = [_jpeg(photo), _jpeg(layouts.grid(photo, random.Random(n), others, 3)),
                _jpeg(layouts.app_screenshot(photo, random.Random(n)))]
        nine += [_jpeg(img) for img in others[6 * n:6 * n + 6]]
        requests.append(nine)

    with TestClient(create_app(settings, load_in_background=False)) as client:
        with client.app.state.trust.session_factory() as session:  # type: ignore[attr-defined]
            admin = create_key(session, Role.admin, "bench").secret
            session.commit()
        headers = {"Authorization": f"Bearer {admin}"}
        product = client.post("/v1/catalog/products", headers=headers, json={
            "brand": "Bench", "name": "bench", "list_price": 1, "currency": "USD"}).json()
        uploads = [[("files", (f"{j}.jpg", _jpeg(img, 600), "image/jpeg"))
                    for j, img in enumerate(catalog[i:i + 10])]
                   for i in range(0, len(catalog), 10)]
        # One client, ten 600x600 JPEGs a request, served runtime; the uploads alternate
        # between one analysis thread (the previous service) and the served setting, so
        # both rates come from the same run over like photos.
        [hook] = [h for h in CATALOG_IMAGE_HOOKS if isinstance(h, MatchingCatalogHook)]
        enrol_s = {1: 0.0, settings.matching_analysis_threads: 0.0}
        enrolled = dict.fromkeys(enrol_s, 0)
        for n, files in enumerate(uploads):
            hook.threads = list(enrol_s)[n % len(enrol_s)]
            started = time.perf_counter()
            client.post(f"/v1/catalog/products/{product['id']}/images", headers=headers,
                        files=files).raise_for_status()
            enrol_s[hook.threads] += time.perf_counter() - started
            enrolled[hook.threads] += len(files)
        hook.threads = None
        enrol_rate = {t: enrolled[t] / enrol_s[t] for t in enrol_s}
        if distractors:
            _enrol_distractors(client, product["id"], distractors)

    api_ms: dict[str, list[float]] = {}
    matched: dict[str, int] = {}
    for run, config in enumerate(CONFIGS):
        runtime, threads = config.split("/")
        config = f"{config} (run {run + 1})" if CONFIGS.count(config) > 1 else config
        serve_artifact(ARTIFACT_DIR, runtime)
        served = settings.model_copy(update={"matching_analysis_threads": int(threads)})
        with TestClient(create_app(served, load_in_background=False)) as client:
            warm = [("files", ("w.jpg", requests[0][0], "image/jpeg"))]
            client.post("/v1/images/match", headers=headers, files=warm).raise_for_status()
            api_ms[config], matched[config] = [], 0
            for nine in requests:
                files = [("files", (f"{k}.jpg", b, "image/jpeg")) for k, b in enumerate(nine)]
                t0 = time.perf_counter()
                response = client.post("/v1/images/match", headers=headers, files=files)
                api_ms[config].append((time.perf_counter() - t0) * 1e3)
                response.raise_for_status()
                matched[config] += sum(r["best"] is not None
                                       for r in response.json()["results"])

    serve_artifact(ARTIFACT_DIR, SERVED_RUNTIME)
    both = CatalogMatcher()
    hashes_only = Matcher()
    for i, img in enumerate(catalog):
        evidence = analyse_catalog(img)
        both.enroll(i, evidence.hashes, evidence.local, evidence.descriptors)
        hashes_only.enroll(i, enrollment_hashes(img))
    pure_ms, hash_ms = [], []
    for nine in requests:
        t0 = time.perf_counter()
        for raw in nine:
            # Described as the service decides for a catalog this size (describes_queries).
            both.match(analyse_query(decode_for_matching(raw, "JPEG", side=SIDE),
                                     describe=len(both) >= DESCRIPTOR_MIN_CATALOG))
        t1 = time.perf_counter()
        for raw in nine:
            hashes_only.match(decode_for_matching(raw, "JPEG"), PREVIOUS_MATCHER_MAX_SCORE)
        pure_ms.append((t1 - t0) * 1e3)
        hash_ms.append((time.perf_counter() - t1) * 1e3)

    print("| path (9 x 800x800 JPEG per request) | p50 ms | p99 ms | mean ms |")
    print("|---|---|---|---|")
    runs = list(api_ms)
    rows = [(f"POST /v1/images/match, descriptor in {c.split('/')[0]}, {c.split('/')[1]} "
             "thread(s)", api_ms[c]) for c in runs]
    rows += [(f"pure matcher (hashes + local features, {SERVED_RUNTIME}, one thread), no "
              "web/DB", pure_ms), ("pure hash stage only (previous matcher)", hash_ms)]
    for name, ms in rows:
        print(f"| {name} | {_pct(ms, 50):.1f} | {_pct(ms, 99):.1f} | {statistics.mean(ms):.1f} |")
    first, last = runs[0], runs[-1]
    print(f"\n{REQUESTS} requests, {len(catalog)} catalog images enrolled through the API"
          f" and {distractors:,} distractors for the API rows (the pure rows: the "
          f"{len(catalog)} alone); API p50 {last} / {first} = "
          f"{_pct(api_ms[last], 50) / _pct(api_ms[first], 50):.2f}x; API {last} / pure p50 = "
          f"{_pct(api_ms[last], 50) / _pct(pure_ms, 50):.2f}x; enrolment through the "
          "catalog API " + ", ".join(f"{r:.1f} photos/s on {t} analysis thread(s)"
                                     for t, r in enrol_rate.items()) +
          f" (one client, ten photos a request, uploads alternating, descriptor in "
          f"{SERVED_RUNTIME}); re-used official photos "
          "matched (each request has 3): " + ", ".join(
              f"{c} {matched[c]} of {3 * REQUESTS}" for c in runs) + ".")

if __name__ == "__main__":
    main()
