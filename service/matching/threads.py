"""Spreading one request's photos over a few threads (analysis and search release the GIL)."""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def ordered_map(fn: Callable[[T], R], items: Sequence[T], threads: int, name: str) -> list[R]:
    """``fn`` of each item, in order, on up to ``threads`` threads (one: the calling thread).

    The threads live for the call only, so a forked worker never inherits a pool whose
    threads it does not have; each item runs in a copy of the caller's context, so its log
    lines keep the request id. The first exception of an item is raised, in item order.
    """
    workers = min(threads, len(items))
    if workers <= 1:
        return [fn(item) for item in items]
    with ThreadPoolExecutor(workers, thread_name_prefix=name) as pool:
        futures = [pool.submit(contextvars.copy_context().run, fn, item) for item in items]
        return [f.result() for f in futures]
