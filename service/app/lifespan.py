"""Start-up in one place: the shared core, then each domain's runtime in a declared order.

Components load in order in one background thread so /health/live answers at once;
/health/ready stays 503 until every component is loaded. A component whose build fails is
marked failed (logged, shown in /health/ready) and the ones after it still load; one that
needs it fails in turn, naming it.
"""

from __future__ import annotations

import gc
import logging
import os
from collections.abc import Callable
from typing import Any

from redis import Redis

from service.app.state import AppState
from service.badges.runtime import build_runtime as build_badges
from service.banks.service import BankLookupService
from service.banks.service import build_runtime as build_banks
from service.captions.runtime import build_runtime as build_captions
from service.console.runtime import build_runtime as build_console
from service.core.state import Component
from service.images.budget import PixelBudget, pin_mmap_threshold
from service.images.fetch import ImageFetcher
from service.images.gate import ImageLimits
from service.jobs.backends import JobRunner
from service.kit.cache import (
    Cache,
    InvalidationBus,
    MemoryCache,
    RedisCache,
    SharedCache,
    connect_redis,
)
from service.kit.db import create_db_engine, make_session_factory
from service.kit.redis_guard import RedisBreaker
from service.kit.settings import Settings
from service.listings.deep_runner import DeepCheckRunner
from service.listings.photos import CatalogPhotoMatcher
from service.listings.runtime import ListingsRuntime, shared_risk_model
from service.matching.service import build_index
from service.networks.runtime import build_index as build_networks
from service.review.service import ListingsReviewQueue
from service.sellers.runtime import build_runtime as build_sellers
from service.webhooks.runtime import build_runtime as build_webhooks

log = logging.getLogger("trustd.app")


def build_state(settings: Settings) -> AppState:
    pin_mmap_threshold()  # decoded images go back to the system when freed (budget.py)
    engine = create_db_engine(settings.database_url)
    breaker = RedisBreaker(settings.redis_retry_seconds)
    redis: Redis | None = None
    bus: InvalidationBus | None = None
    cache: Cache = MemoryCache()
    if settings.redis_url:
        redis = connect_redis(settings.redis_url, settings.redis_timeout_seconds)
        bus = InvalidationBus(settings.redis_url, breaker, settings.redis_timeout_seconds)
        cache = SharedCache(RedisCache(redis), breaker, bus)
        bus.start()
    return AppState(
        settings=settings,
        engine=engine,
        session_factory=make_session_factory(engine),
        cache=cache,
        redis=redis,
        redis_breaker=breaker,
        invalidations=bus,
        image_limits=ImageLimits(
            max_bytes=settings.max_image_bytes,
            max_pixels=settings.max_image_pixels,
            min_side=settings.min_image_side,
            max_aspect_ratio=settings.max_image_aspect_ratio,
            max_request_pixels=settings.max_request_pixels,
            budget=PixelBudget(settings.decode_budget_pixels, settings.decode_wait_seconds),
        ),
        image_fetcher=ImageFetcher(settings.max_image_bytes, settings.image_fetch_timeout_seconds,
                                   settings.image_fetch_allow_private)
        if settings.image_fetch_enabled else None,
    )


def _listings(state: AppState) -> ListingsRuntime:
    return ListingsRuntime(risk_model=shared_risk_model(),
                           matcher=CatalogPhotoMatcher(state, state.matching),
                           captions=state.captions, review=ListingsReviewQueue(),
                           banks=BankLookupService(state, state.banks),
                           networks=state.networks)


def _deep_checks(state: AppState) -> DeepCheckRunner:
    runner = DeepCheckRunner(state, state.listings.get())
    runner.resume()
    return runner


def _jobs(state: AppState) -> JobRunner:
    runner = JobRunner(state, state.listings.get())
    runner.resume()
    sweep = state.deep_checks.get().sweep if state.deep_checks.ready else None
    if sweep is not None:  # rq batch jobs lost with Redis are queued again with the checks
        sweep.add_task(runner.requeue_lost)
    return runner


Step = tuple[Callable[[AppState], Component[Any]], Callable[[AppState], Any]]


def steps(runners: bool) -> tuple[Step, ...]:
    """The declared order: each step may use the components above it. `runners`: start the
    threads that work in the background (webhook retries, in-process deep checks and batch
    jobs), as an app process does; an RQ worker or a CLI command loads the rest only."""
    loaded: tuple[Step, ...] = (
        (lambda s: s.sellers,  # secrets refused if weak
         lambda s: build_sellers(s.settings, s.cache, s.redis_breaker)),
        (lambda s: s.badges, lambda s: build_badges(s.settings, s.sellers.get())),
        (lambda s: s.matching, build_index),
        (lambda s: s.banks, build_banks),  # the bank index, before the first listing
        (lambda s: s.networks, build_networks),  # before the first listing is recorded
        (lambda s: s.captions, lambda s: build_captions(s.settings)),
        (lambda s: s.webhooks, lambda s: build_webhooks(s, dispatch=runners)),  # seal key
        (lambda s: s.listings, _listings),  # the risk model, before the first listing
        (lambda s: s.console, lambda s: build_console(s.settings)),  # templates, catalogs
    )
    if not runners:
        return loaded
    return (*loaded, (lambda s: s.deep_checks, _deep_checks), (lambda s: s.jobs, _jobs))


def load_components(state: AppState, freeze_heap: bool = False, runners: bool = True) -> None:
    for slot_of, build in steps(runners):
        slot = slot_of(state)
        try:
            slot.set(build(state))
        except Exception as exc:
            log.exception("start-up step failed", extra={"fields": {"component": slot.name}})
            slot.fail(type(exc).__name__)
    if freeze_heap:
        freeze_loaded_heap()
    log.info("start-up complete", extra={"fields": {"pid": os.getpid(),
                                                    "ready": state.is_ready}})


def close_components(state: AppState) -> None:
    """Stops the runners' threads (in-process work still queued is resumed at next start)."""
    for slot in (state.jobs, state.deep_checks, state.webhooks):
        runtime = slot.unset()
        if runtime is not None:
            runtime.close()


def close_core(state: AppState) -> None:
    state.engine.dispose()
    if state.invalidations is not None:
        state.invalidations.close()
    if state.redis is not None:
        state.redis.close()
    if state.image_fetcher is not None:
        state.image_fetcher.close()


def freeze_loaded_heap() -> None:
    """Exempt everything loaded so far from the cyclic garbage collector.

    torch, transformers and the models leave a quarter of a million long-lived objects;
    every full collection walked them all (60-130 ms measured here, holding the GIL), a
    stall that landed on whichever requests were running. Collected once, then frozen:
    later collections see only what requests allocate. A server process only: frozen
    objects are never freed, which a test process creating many apps must not do.
    """
    gc.collect()
    gc.freeze()
