"""The sellers/badges domain's long-lived objects, built once per app on first use.

Kept in `AppState.extras` so the shared state class needs no change for this domain.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool

from service.badges.keyring import KeyRing
from service.sellers.ratelimit import RateLimits
from service.sellers.reputation import ReputationSummary, SummaryMemo, reputation_summary
from service.sellers.secrets import (
    badge_key_ring,
    derived_key,
    pseudonym_secret,
    require_configured,
)
from service.settings import Settings
from service.state import AppState

EXTRAS_KEY = "sellers"
MEMO_MAX_SECONDS = 30  # bounds how long another worker's memo can lag behind new feedback
_build_lock = threading.Lock()


@dataclass
class SellersRuntime:
    pseudonym_secret: bytes
    csrf_secret: bytes
    key_ring: KeyRing
    limits: RateLimits
    memo: SummaryMemo


def build_runtime(settings: Settings) -> SellersRuntime:
    require_configured(settings)
    secret = pseudonym_secret(settings)
    return SellersRuntime(
        pseudonym_secret=secret,
        csrf_secret=derived_key(secret, "csrf"),
        key_ring=badge_key_ring(settings),
        limits=RateLimits(settings.redis_url),
        memo=SummaryMemo(min(settings.reputation_cache_seconds, MEMO_MAX_SECONDS)),
    )


def get_runtime(state: AppState) -> SellersRuntime:
    runtime = state.extras.get(EXTRAS_KEY)
    if runtime is None:
        with _build_lock:
            runtime = state.extras.get(EXTRAS_KEY)
            if runtime is None:
                runtime = state.extras[EXTRAS_KEY] = build_runtime(state.settings)
    assert isinstance(runtime, SellersRuntime)
    return runtime


def startup_step(state: AppState) -> None:
    """For app.STARTUP_STEPS: builds the runtime at boot so a missing prod secret shows in
    /health/ready instead of on the first badge request."""
    get_runtime(state)


def app_state(request: Request) -> AppState:
    state: AppState = request.app.state.trust
    return state


async def _runtime_dep(request: Request) -> SellersRuntime:
    # async: a plain lookup, so it needs no thread-pool hop (sync dependencies get one each)
    return get_runtime(app_state(request))


RuntimeDep = Annotated[SellersRuntime, Depends(_runtime_dep)]


def current_summary(state: AppState, runtime: SellersRuntime, seller_id: str) -> ReputationSummary:
    """The memoised summary, else the shared cache, else computed from the database."""
    summary = runtime.memo.get(seller_id)
    if summary is None:
        with state.session_factory() as session:
            summary = reputation_summary(
                session,
                seller_id,
                cache=state.cache,
                ttl_seconds=state.settings.reputation_cache_seconds,
            )
        runtime.memo.set(summary)
    return summary


async def check_limit(runtime: SellersRuntime, rule: str, scope: str, identity: str) -> None:
    """Counts a hit; in-process limits are checked inline, Redis ones off the event loop."""
    if runtime.limits.is_local:
        runtime.limits.check(rule, scope, identity)
    else:
        await run_in_threadpool(runtime.limits.check, rule, scope, identity)


async def summary_for(state: AppState, runtime: SellersRuntime, seller_id: str) -> ReputationSummary:
    """`current_summary` without a thread hop when the memo already holds the seller."""
    summary = runtime.memo.get(seller_id)
    if summary is not None:
        return summary
    return await run_in_threadpool(current_summary, state, runtime, seller_id)
