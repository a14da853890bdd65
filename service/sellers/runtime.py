"""The sellers domain's long-lived objects, built once per app at start-up into its
`sellers` component."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Protocol

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool

from service.core.state import Component, CoreState
from service.kit.cache import Cache
from service.kit.redis_guard import RedisBreaker
from service.kit.settings import Settings
from service.sellers.ratelimit import RateLimits
from service.sellers.reputation import (
    LOCAL_ONLY_SECONDS,
    ReputationSummary,
    SummaryMemo,
    reputation_summary,
    seller_of_cache_key,
)
from service.sellers.secrets import pseudonym_secret, require_configured

# How long a memo entry stands while deletions reach every process (they drop it at once
# then); without that (no Redis, or Redis down) entries stand LOCAL_ONLY_SECONDS.
MEMO_MAX_SECONDS = 30


@dataclass
class SellersRuntime:
    pseudonym_secret: bytes
    limits: RateLimits
    memo: SummaryMemo


def build_runtime(settings: Settings, cache: Cache | None = None,
                  breaker: RedisBreaker | None = None) -> SellersRuntime:
    """`cache`: the app's; the memo listens to its deletions (a decision, a report or new
    feedback in any process drops the seller's memoised summary here)."""
    require_configured(settings)
    ttl = min(settings.reputation_cache_seconds, MEMO_MAX_SECONDS)
    memo = SummaryMemo(lambda: ttl if cache is not None and cache.shared
                       else min(ttl, LOCAL_ONLY_SECONDS))
    if cache is not None:
        cache.on_invalidate(lambda key: memo.clear() if key is None
                            else memo.delete(seller_of_cache_key(key) or ""))
    return SellersRuntime(
        pseudonym_secret=pseudonym_secret(settings),
        limits=RateLimits(settings.redis_url, breaker, settings.redis_timeout_seconds),
        memo=memo,
    )


class SellersHost(Protocol):
    @property
    def sellers(self) -> Component[SellersRuntime]: ...


async def _runtime_dep(request: Request) -> SellersRuntime:
    # async: a plain lookup, so it needs no thread-pool hop (sync dependencies get one each)
    host: SellersHost = request.app.state.trust
    return host.sellers.get()


RuntimeDep = Annotated[SellersRuntime, Depends(_runtime_dep)]


def current_summary(state: CoreState, runtime: SellersRuntime, seller_id: str) -> ReputationSummary:
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


async def summary_for(state: CoreState, runtime: SellersRuntime, seller_id: str) -> ReputationSummary:
    """`current_summary` without a thread hop when the memo already holds the seller."""
    summary = runtime.memo.get(seller_id)
    if summary is not None:
        return summary
    return await run_in_threadpool(current_summary, state, runtime, seller_id)
