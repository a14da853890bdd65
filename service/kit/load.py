"""Moving keep-alive connections off a saturated server process.

Server processes share one listening socket, and a keep-alive connection stays with the
process that accepted it (asyncio accepts a burst of new connections in one go). A client
that holds a few connections open (a platform's HTTP pool) can so land most of its traffic
on one process: CPU-bound scoring then queues behind that process's GIL while another core
idles. Measured with the listing bench (4 connections, 2 processes): 5 of 6 runs split the
work 1.5:1 or worse (one 4:0), p50 113-217 ms; with this rule every split was within 1.4:1,
p50 103-145 ms.

The fix is the one proxies use for long-lived upstream connections: when a CPU-heavy request
finishes while another heavy request is still running in this process, its response carries
`Connection: close`, and the client's next request opens a new connection, which whichever
process is free to accept takes. A cheap request never sheds (a reconnect would cost more
than it saves), nor does a process serving alone.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

# A heavy request that took less than this was not queueing: keep its connection.
SHED_MIN_SECONDS = 0.05


@dataclass
class HeavyRequest:
    started: float
    others_at_finish: int = -1  # heavy requests still running here when this one finished

    def should_reconnect(self, server_processes: int, now: float | None = None) -> bool:
        elapsed = (time.monotonic() if now is None else now) - self.started
        return server_processes > 1 and self.others_at_finish > 0 and \
            elapsed >= SHED_MIN_SECONDS


class HeavyRequests:
    """This process's CPU-heavy requests in flight (any thread or event loop)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._in_flight = 0

    @property
    def in_flight(self) -> int:
        return self._in_flight

    @contextmanager
    def track(self) -> Iterator[HeavyRequest]:
        request = HeavyRequest(time.monotonic())
        with self._lock:
            self._in_flight += 1
        try:
            yield request
        finally:
            with self._lock:
                self._in_flight -= 1
                request.others_at_finish = self._in_flight


PROCESS_HEAVY_REQUESTS = HeavyRequests()


def reconnect_headers(request: HeavyRequest, server_processes: int) -> dict[str, str]:
    """The response headers that ask the client to reconnect (none when it should stay)."""
    return {"Connection": "close"} if request.should_reconnect(server_processes) else {}
