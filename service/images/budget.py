"""How many decoded pixels this process holds at once, and what a request may decode.

A 945 KB request of nine flat 6000x6000 PNGs decodes to a gigabyte: the byte limits say
nothing about memory. Every full-size decode therefore holds its pixels in one process-wide
budget for as long as the full-size image lives (the gate reduces it to the size the
stages need right after decoding), so concurrent requests wait for each other instead of
adding up; a request that cannot get its pixels within `wait_seconds` is shed with 503 and
`Retry-After` (the server stays at its size; the client retries later). An image larger than
the whole budget still runs, alone.

A request's images are decoded one after another, and their declared pixels together are
bounded too (`max_request_pixels`, checked from the headers before anything is decoded).

Memory given back: glibc raises its mmap threshold to the size of the largest block freed,
after which image-sized buffers come from the heap arenas of the decoding threads and stay
there (the 3.2 GB an upload of 20 photos kept). `pin_mmap_threshold` keeps large buffers in
their own mappings, returned to the system when freed.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import threading
import time
from collections.abc import Iterator

from service.kit.errors import DomainError

# Above this a buffer is mmapped (and unmapped when freed): one 1024x1024 gray image.
MMAP_THRESHOLD_BYTES = 1 << 20
_M_MMAP_THRESHOLD = -3  # glibc mallopt parameter
RETRY_AFTER_SECONDS = 2


class Overloaded(DomainError):
    status_code = 503
    code = "server_busy"

    def __init__(self, message: str, *, code: str | None = None,
                 retry_after: int = RETRY_AFTER_SECONDS) -> None:
        super().__init__(message, code=code)
        self.headers = {"Retry-After": str(retry_after)}


class PixelBudget:
    """A counting semaphore over decoded pixels, shared by every thread of the process."""

    def __init__(self, capacity: int, wait_seconds: float) -> None:
        if capacity <= 0:
            raise ValueError("capacity must be positive")
        self.capacity = capacity
        self.wait_seconds = wait_seconds
        self._used = 0
        self.peak = 0  # most pixels held at once (tests and benchmarks read it)
        self.shed = 0  # requests refused for want of pixels
        self._cond = threading.Condition()

    @property
    def used(self) -> int:
        return self._used

    @contextlib.contextmanager
    def hold(self, pixels: int) -> Iterator[None]:
        want = max(0, min(pixels, self.capacity))  # a huge image runs, but alone
        deadline = time.monotonic() + self.wait_seconds
        with self._cond:
            while self._used + want > self.capacity:
                left = deadline - time.monotonic()
                if left <= 0:
                    self.shed += 1
                    raise Overloaded(
                        "this server is decoding as many images as its memory allows; "
                        "retry shortly", code="server_busy")
                self._cond.wait(left)
            self._used += want
            self.peak = max(self.peak, self._used)
        try:
            yield
        finally:
            with self._cond:
                self._used -= want
                self._cond.notify_all()


def pin_mmap_threshold(threshold: int = MMAP_THRESHOLD_BYTES) -> bool:
    """Fix glibc's mmap threshold (see the module docstring); False where there is no glibc."""
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        libc = ctypes.CDLL(name)
        return bool(libc.mallopt(_M_MMAP_THRESHOLD, threshold))
    except (OSError, AttributeError):
        return False
