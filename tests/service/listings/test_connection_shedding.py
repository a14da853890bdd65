"""A saturated server process asks a keep-alive client to reconnect (service/kit/load.py): a
heavy request finishing while another heavy one still runs in the same process gets
`Connection: close`, so the client's next connection can land on a free process."""

from __future__ import annotations

import base64
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient

from service.app.factory import create_app
from service.kit.load import SHED_MIN_SECONDS, HeavyRequest, HeavyRequests
from service.listings import service as listings_service


def test_heavy_requests_are_counted_per_process() -> None:
    heavy = HeavyRequests()
    with heavy.track() as first:
        with heavy.track() as second:
            assert heavy.in_flight == 2
        assert second.others_at_finish == 1
    assert first.others_at_finish == 0 and heavy.in_flight == 0
    with pytest.raises(RuntimeError), heavy.track():
        raise RuntimeError("a failed request is uncounted too")
    assert heavy.in_flight == 0


@pytest.mark.parametrize(("processes", "others", "elapsed", "reconnect"), [
    (2, 1, SHED_MIN_SECONDS * 1.01, True),
    (4, 3, 1.0, True),
    (1, 3, 1.0, False),  # a process serving alone: nowhere else to go
    (2, 0, 1.0, False),  # nobody else queued here
    (2, 1, SHED_MIN_SECONDS / 2, False),  # quick: a reconnect would cost more than it saves
])
def test_when_to_ask_for_a_reconnect(processes: int, others: int, elapsed: float,
                                     reconnect: bool) -> None:
    request = HeavyRequest(started=100.0, others_at_finish=others)
    assert request.should_reconnect(processes, now=100.0 + elapsed) is reconnect


@pytest.mark.parametrize("processes", [2, 1])
def test_overlapping_listings_shed_one_connection(make_settings, database_url, api_keys, photo,
                                                  monkeypatch, processes: int) -> None:
    both_running = threading.Barrier(2, timeout=30)
    real_score = listings_service.score

    def overlapping(*args, **kwargs):
        both_running.wait()  # the two requests are in flight in this process together
        time.sleep(SHED_MIN_SECONDS * 1.5)
        return real_score(*args, **kwargs)

    def body(n: int) -> dict[str, object]:
        return {"listing_id": f"S-{n}", "seller_id": "some-seller", "caption": "全新 手提包",
                "price": 2_400, "currency": "CNY",
                "images": [{"data": base64.b64encode(photo(300 + n)).decode()}]}

    settings = make_settings(database_url=database_url, server_processes=processes)
    with TestClient(create_app(settings, load_in_background=False)) as client:
        def post(n: int):
            return client.post("/v1/listings/score", json=body(n), headers=api_keys.platform)

        alone = post(0)  # one heavy request at a time: the connection is kept
        assert alone.status_code == 200 and "connection" not in alone.headers
        monkeypatch.setattr(listings_service, "score", overlapping)
        with ThreadPoolExecutor(2) as pool:
            responses = list(pool.map(post, [1, 2]))
        assert [r.status_code for r in responses] == [200, 200]
        closed = [r.headers.get("connection") == "close" for r in responses]
        # The first to finish saw the other still running; the last one did not.
        assert sum(closed) == (1 if processes > 1 else 0)
        monkeypatch.setattr(listings_service, "score", real_score)
        stored = post(1)  # a stored re-score is quick: never shed
        assert stored.json()["stored"] is True and "connection" not in stored.headers
