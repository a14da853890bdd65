"""The deferred deep check: photos the hash stage leaves unmatched get the keypoint stage
after the response; what it finds becomes a new assessment version, a review item and a
signed `assessment.updated` webhook. In process here (drained deterministically); with
Redis, an RQ worker killed mid-check loses nothing (test_listing_deep_check_rq.py)."""

from __future__ import annotations

import datetime as dt
import io
import random
import time

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import func, select, update
from trustdata.copydetect import layouts
from trustdata.copydetect.sources import product_shot

from service.app.factory import create_app
from service.images.gate import decode_image
from service.listings import deep_check
from service.listings import service as listings_service
from service.listings.runtime import thresholds_for
from service.listings.schemas import ListingFields, ScoreOut
from service.listings.tables import ListingAssessment, ListingDeepCheck, ListingDeepCheckPhoto
from service.matching.service import gate_side, match_decoded
from service.webhooks.receiver import WebhookReceiver

FLAGGED = {"review", "block"}
UNAUTHORIZED = "official_photo_unauthorized_seller"


def _jpeg(img: Image.Image) -> bytes:
    out = io.BytesIO()
    img.convert("RGB").save(out, "JPEG", quality=88)
    return out.getvalue()


def reposts(photo: bytes, seed: int) -> list[bytes]:
    """What sellers do to an official photo that whole-image hashes struggle with."""
    img = Image.open(io.BytesIO(photo)).convert("RGB")
    fill = [product_shot(s, size=400) for s in range(700, 712)]
    w, h = img.size
    return [_jpeg(layouts.app_screenshot(img, random.Random(seed))),
            _jpeg(layouts.collage(img, random.Random(seed), fill)),
            _jpeg(layouts.grid(img, random.Random(seed), fill, 3)),
            _jpeg(img.crop((seed % 9, seed % 7, int(w * .62), int(h * .62))))]


def local_only_reposts(state, photo: bytes, count: int, first_seed: int = 0) -> list[bytes]:
    """`count` distinct reposts of `photo` that the keypoint stage finds and the hash stage
    does not, asked of the service's own matcher (its thresholds are tuned elsewhere: which
    edit falls to which stage moves; that such edits exist is what this module relies on)."""
    found: list[bytes] = []
    index, sync = state.matching.get(), state.settings.matching_sync_seconds
    for seed in range(first_seed, first_seed + 10 * count):
        for data in reposts(photo, seed):
            # Gated per stage exactly as the scorer gates them.
            small = decode_image(data, state.image_limits, draft_side=gate_side(False))
            large = decode_image(data, state.image_limits, draft_side=gate_side(True))
            with state.session_factory() as session:
                by_hash, = match_decoded(index, session, [small], sync, local_stage=False)
                by_local, = match_decoded(index, session, [large], sync, hash_stage=False)
            if by_local.matches and not by_hash.matches:
                found.append(data)
                break
        if len(found) == count:
            return found
    raise AssertionError("too few reposts only the keypoint stage finds: nothing to defer")


def local_only_repost(state, photo: bytes, seed: int = 0) -> bytes:
    return local_only_reposts(state, photo, 1, seed)[0]


def codes(data: dict) -> set[str]:
    return {r["code"] for r in data["reasons"] if r["contribution"] > 0}


@pytest.fixture
def client(make_settings, database_url):
    settings = make_settings(database_url=database_url, webhook_allow_private_urls=True,
                             webhook_dispatcher_enabled=False)
    with TestClient(create_app(settings, load_in_background=False)) as test_client:
        yield test_client


@pytest.fixture
def repost(client, official) -> bytes:
    return local_only_repost(client.app.state.trust, official.photo)


@pytest.fixture
def receiver(client, api_keys):
    hooks = WebhookReceiver().start()
    registered = client.post("/v1/webhooks", json={"url": hooks.url}, headers=api_keys.platform)
    assert registered.status_code == 201, registered.text
    hooks.secret = registered.json()["secret"]
    yield hooks
    hooks.stop()


def test_repost_only_keypoints_find_is_pending_then_flagged(repost, client, api_keys, official,
                                                           score, receiver):
    first = score([repost], price=2_400, seller_id="cheap-shop")
    assert first.status_code == 200, first.text
    data = first.json()
    # The hash stage does not see the tile: the first answer is honest about it.
    assert data["image_matches"] == []
    assert data["level"] in {"low", "medium"} and UNAUTHORIZED not in codes(data)
    check = data["image_check"]
    assert (check["status"], check["stages"], check["pending_photos"]) == ("pending", ["hash"], [0])
    assert check["deep_check_id"] is not None

    state = client.app.state.trust
    state.deep_checks.get().drain()
    latest = client.get("/v1/listings/L-1", headers=api_keys.platform).json()
    assert latest["assessment_version"] == 2
    assert latest["decision"] in FLAGGED and UNAUTHORIZED in codes(latest)
    assert latest["image_matches"][0]["catalog_image_id"] == official.image_id
    assert latest["image_matches"][0]["method"].startswith("orb")
    assert latest["image_check"]["status"] == "complete"
    assert latest["image_check"]["stages"] == ["hash", "local"]
    assert latest["price_check"]["ratio"] == pytest.approx(0.2)

    # The same content again: the newest assessment of it, not the first answer.
    again = score([repost], price=2_400, seller_id="cheap-shop").json()
    assert (again["stored"], again["assessment_version"]) == (True, 2)
    assert again["review_item_id"] == latest["review_item_id"] is not None
    item = client.get(f"/v1/review/items/{latest['review_item_id']}",
                      headers=api_keys.moderator).json()
    assert item["assessment"]["image_matches"][0]["catalog_image_id"] == official.image_id

    events = [r for r in receiver.received if r.event and r.event["type"] == "assessment.updated"]
    assert len(events) == 1 and events[0].verified and events[0].status == 200
    assert events[0].event["data"]["listing_id"] == "L-1"
    assert (events[0].event["data"]["previous_version"],
            events[0].event["data"]["assessment_version"]) == (1, 2)
    assert events[0].event["data"]["decision"] == latest["decision"]

    with state.session_factory() as session:
        row = session.get(ListingDeepCheck, check["deep_check_id"])
        assert (row.status, row.outcome, row.result_version, row.runs) == ("done", "rescored",
                                                                           2, 1)
        first_row = session.scalars(select(ListingAssessment).where(
            ListingAssessment.version == 1)).one()
        assert first_row.result["image_check"]["updated_version"] == 2
        assert first_row.risk == data["risk"]  # the first scores are never rewritten
        # The photo bytes were kept only until the check was done.
        assert session.scalar(select(func.count()).select_from(ListingDeepCheckPhoto)) == 0


def test_wait_deep_gives_the_final_answer_in_one_call(repost, client, official, score):
    response = score([repost], price=2_400, seller_id="cheap-shop",
                     wait="deep")
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["assessment_version"] == 1
    assert data["decision"] in FLAGGED and UNAUTHORIZED in codes(data)
    assert data["image_check"]["status"] == "complete"
    assert data["image_check"]["stages"] == ["hash", "local"]
    assert data["image_check"]["deep_check_id"] is None
    ScoreOut.model_validate(data)  # the unvalidated fast body still matches the schema
    with client.app.state.trust.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(ListingDeepCheck)) == 0
    assert score([official.photo], wait="sideways").status_code == 422


def test_waiting_on_a_stored_pending_assessment_completes_it(repost, client, official, score):
    pending = score([repost], price=2_400, seller_id="cheap-shop").json()
    assert pending["image_check"]["status"] == "pending"
    final = score([repost], price=2_400, seller_id="cheap-shop",
                  wait="deep").json()
    assert final["image_check"]["status"] == "complete"
    assert final["stored"] is True and final["assessment_version"] == 2
    assert UNAUTHORIZED in codes(final)
    client.app.state.trust.deep_checks.get().drain()  # the background runner found it done: nothing twice
    with client.app.state.trust.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(ListingAssessment)) == 2


def unrelated(seed: int) -> bytes:
    """A product photo from another generator than the catalog's (service.catalog.demo's shots share
    a template and a printed word that the keypoint stage currently takes for a match)."""
    out = io.BytesIO()
    product_shot(seed, size=480).save(out, "JPEG", quality=90)
    return out.getvalue()


def test_nothing_found_completes_the_assessment_without_a_new_version(client, api_keys,
                                                                      official, score,
                                                                      receiver):
    data = score([unrelated(901), unrelated(902)], price=300).json()
    assert data["image_check"]["status"] == "pending"
    client.app.state.trust.deep_checks.get().drain()
    latest = client.get("/v1/listings/L-1", headers=api_keys.platform).json()
    assert latest["assessment_version"] == 1
    assert latest["image_check"]["status"] == "complete"
    assert latest["image_check"]["stages"] == ["hash", "local"]
    assert latest["risk"] == data["risk"]
    # Nothing changed, but the platform learns the first answer is final.
    [event] = receiver.received
    assert event.verified and event.status == 200
    assert event.event["type"] == "assessment.checked"
    assert event.event["data"]["listing_id"] == "L-1"
    assert event.event["data"]["assessment_version"] == 1
    assert event.event["data"]["decision"] == data["decision"]
    # Both stages' results are cached now: the same photos in another listing are final at once.
    other = score([unrelated(902), unrelated(901)], listing_id="L-2", price=300).json()
    assert other["image_check"] == {"status": "complete", "stages": ["hash", "local"],
                                    "deep_check_id": None, "pending_photos": [],
                                    "updated_version": None, "skipped_photos": [],
                                    "bank_matches": []}


def test_exact_official_photo_blocks_in_the_first_response(official, score):
    data = score([official.photo], price=2_400, seller_id="unknown-shop").json()
    assert data["decision"] == "block" and UNAUTHORIZED in codes(data)
    assert data["image_check"]["status"] == "complete"
    assert data["image_check"]["deep_check_id"] is None


def test_stored_rescore_decodes_nothing(official, score, photo, monkeypatch):
    """The bytes were validated when first scored: the stored path only hashes them."""
    first = score([official.photo, photo(5)], price=2_400).json()
    decoded: list[int] = []

    def refuse(data, limits, index=0, draft_side=None):
        decoded.append(index)
        raise AssertionError("the stored path decoded an image")

    monkeypatch.setattr(listings_service, "decode_image", refuse)
    again = score([official.photo, photo(5)], price=2_400)
    assert again.status_code == 200, again.text
    assert again.json()["stored"] is True and decoded == []
    assert again.json()["risk"] == first["risk"]


def test_pending_check_of_a_dead_process_resumes_at_start_up(repost, settings, client,
                                                             api_keys, official):
    state = client.app.state.trust
    fields = ListingFields(listing_id="D-1", seller_id="cheap-shop", price=2_400,
                           currency="CNY")
    # Scored and committed, but the process died before any runner took the check...
    scored = listings_service.score(state, state.listings.get(), "shop-a", fields,
                                    [repost],
                                    thresholds_for(state.settings, "shop-a"),
                                    time.perf_counter(), deep_backend="inprocess")
    check_id = scored.body["image_check"]["deep_check_id"]
    # ...and a second one held by a runner that died mid-check (its hold has expired).
    other = listings_service.score(state, state.listings.get(), "shop-a",
                                   fields.model_copy(update={"listing_id": "D-2"}),
                                   [local_only_repost(state, official.photo, seed=5)],
                                   thresholds_for(state.settings, "shop-a"),
                                   time.perf_counter(), deep_backend="inprocess")
    other_id = other.body["image_check"]["deep_check_id"]
    with state.session_factory() as session:
        session.execute(update(ListingDeepCheck).where(ListingDeepCheck.id == other_id)
                        .values(runs=1, locked_until=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)))
        session.commit()
    client.__exit__(None, None, None)
    with TestClient(create_app(settings, load_in_background=False)) as restarted:
        restarted_state = restarted.app.state.trust  # type: ignore[attr-defined]
        restarted_state.deep_checks.get().drain()
        for listing_id in ("D-1", "D-2"):
            latest = restarted.get(f"/v1/listings/{listing_id}", headers=api_keys.platform).json()
            assert latest["assessment_version"] == 2, latest
            assert UNAUTHORIZED in codes(latest)
        with restarted_state.session_factory() as session:
            runs = {c.id: c.runs for c in session.scalars(select(ListingDeepCheck))}
    assert runs == {check_id: 1, other_id: 2}


def _score_unsubmitted(state, listing_id: str, image: bytes, price: float = 2_400):
    """Scored and committed with a deep check no runner has been given yet."""
    fields = ListingFields(listing_id=listing_id, seller_id="cheap-shop", price=price,
                           currency="CNY")
    return listings_service.score(state, state.listings.get(), "shop-a", fields, [image],
                                  thresholds_for(state.settings, "shop-a"), time.perf_counter(),
                                  deep_backend="inprocess").body


def test_a_check_overtaken_by_new_content_adds_no_version(repost, client, api_keys, official,
                                                          score):
    state = client.app.state.trust
    first = _score_unsubmitted(state, "L-1", repost)
    newer = score([official.photo], price=11_000, seller_id="cheap-shop").json()
    assert newer["assessment_version"] == 2
    assert deep_check.run(state, state.listings.get(), first["image_check"]["deep_check_id"]) == "superseded"
    latest = client.get("/v1/listings/L-1", headers=api_keys.platform).json()
    assert latest["assessment_version"] == 2 and latest["price_check"]["price"] == 11_000
    with state.session_factory() as session:
        old = session.scalars(select(ListingAssessment).where(
            ListingAssessment.version == 1)).one()
        assert old.result["image_check"]["status"] == "complete"
    # Its local-stage result is cached: the old content scored again is final at once.
    again = score([repost], listing_id="L-9", price=2_400,
                  seller_id="cheap-shop").json()
    assert again["image_check"]["status"] == "complete" and UNAUTHORIZED in codes(again)


def test_a_check_that_keeps_failing_is_marked_failed(repost, client, official):
    state = client.app.state.trust
    first = _score_unsubmitted(state, "F-1", repost)
    check_id = first["image_check"]["deep_check_id"]
    with state.session_factory() as session:  # as if every allowed run had crashed
        session.execute(update(ListingDeepCheck).where(ListingDeepCheck.id == check_id)
                        .values(runs=deep_check.MAX_RUNS))
        session.commit()
    assert deep_check.run(state, state.listings.get(), check_id) == "failed"
    assert deep_check.run(state, state.listings.get(), check_id) is None  # closed: nobody takes it again
    with state.session_factory() as session:
        row = session.get(ListingDeepCheck, check_id)
        assert (row.status, row.runs) == ("failed", deep_check.MAX_RUNS + 1)
        assessment = session.get(ListingAssessment, row.assessment_id)
        assert assessment.result["image_check"]["status"] == "failed"
        assert session.scalar(select(func.count()).select_from(ListingDeepCheckPhoto)) == 0
