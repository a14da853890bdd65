"""App factory and lifespan: connections and models are loaded once into typed state."""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from service.auth.service import ensure_env_admin_key
from service.badges.router import router as badges_router
from service.cache import Cache, MemoryCache, RedisCache, connect_redis
from service.captions.router import router as captions_router
from service.captions.runtime import startup_step as load_caption_model
from service.catalog.router import router as catalog_router
from service.db import create_db_engine, make_session_factory, transaction
from service.errors import DomainError
from service.health.router import router as health_router
from service.image_fetch import ImageFetcher
from service.imaging import ImageLimits
from service.jobs.router import router as jobs_router
from service.listings.router import router as listings_router
from service.listings.runtime import startup_step as load_listings_runtime
from service.matching.router import router as matching_router
from service.matching.runtime import startup_step as load_matching_index
from service.observability import (
    BodySizeLimitMiddleware,
    RequestContextMiddleware,
    configure_logging,
)
from service.review.router import router as review_router
from service.sellers.router import router as sellers_router
from service.sellers.runtime import startup_step as load_sellers_runtime
from service.settings import Settings, get_settings
from service.state import AppState
from service.webhooks.router import router as webhooks_router
from service.webhooks.sealing import startup_step as seal_startup

log = logging.getLogger("trustd.app")

# A start-up step loads one component into the state (a model, an index...). Steps run in
# order in a background thread so /health/live answers at once; /health/ready stays 503
# until every step has finished.
StartupStep = Callable[[AppState], None]
STARTUP_STEPS: list[tuple[str, StartupStep]] = [
    # --- domain start-up steps are added below this line: ("name", function) ---
    ("sellers", load_sellers_runtime),  # issue 5: keys and secrets, refused if weak
    ("matching", load_matching_index),  # issue 3
    ("captions", load_caption_model),  # issue 4
    ("webhooks", lambda state: seal_startup(state.settings)),  # seal key present and strong
    ("listings", load_listings_runtime),  # issue 6: the risk model, before the first listing
]


def build_state(settings: Settings) -> AppState:
    engine = create_db_engine(settings.database_url)
    redis = connect_redis(settings.redis_url) if settings.redis_url else None
    cache: Cache = RedisCache(redis) if redis is not None else MemoryCache()
    return AppState(
        settings=settings,
        engine=engine,
        session_factory=make_session_factory(engine),
        cache=cache,
        redis=redis,
        image_limits=ImageLimits(
            max_bytes=settings.max_image_bytes,
            max_pixels=settings.max_image_pixels,
            min_side=settings.min_image_side,
        ),
        image_fetcher=ImageFetcher(settings.max_image_bytes, settings.image_fetch_timeout_seconds,
                                   settings.image_fetch_allow_private)
        if settings.image_fetch_enabled else None,
    )


def run_startup_steps(state: AppState, freeze_heap: bool = False) -> None:
    for name, step in STARTUP_STEPS:
        try:
            step(state)
            state.set_ready(name, True)
        except Exception as exc:
            log.exception("start-up step failed", extra={"fields": {"component": name}})
            state.set_ready(name, False, error=type(exc).__name__)
    if freeze_heap:
        freeze_loaded_heap()


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


def create_app(settings: Settings | None = None, *, load_in_background: bool = True,
               freeze_heap: bool = False) -> FastAPI:
    """`freeze_heap`: the serving process's own app (see freeze_loaded_heap)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state = build_state(settings)
        if settings.admin_key is not None:
            with transaction(state.session_factory) as session:
                ensure_env_admin_key(session, settings.admin_key.get_secret_value())
        for name, _ in STARTUP_STEPS:
            state.set_ready(name, False)
        app.state.trust = state
        if load_in_background:
            threading.Thread(target=run_startup_steps, args=(state, freeze_heap),
                             daemon=True).start()
        else:
            run_startup_steps(state, freeze_heap)
        try:
            yield
        finally:
            state.engine.dispose()
            if state.redis is not None:
                state.redis.close()
            if state.image_fetcher is not None:
                state.image_fetcher.close()

    app = FastAPI(
        title="trustd",
        version="0.1.0",
        summary="Trust and counterfeit-risk moderation for social commerce",
        lifespan=lifespan,
    )
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_request_bytes)
    app.add_middleware(RequestContextMiddleware)
    _install_error_handlers(app)
    app.include_router(health_router)
    app.include_router(catalog_router)
    # --- domain routers are included below this line ---
    for router in (matching_router, captions_router, listings_router, review_router,
                   webhooks_router, jobs_router, sellers_router, badges_router):
        app.include_router(router)
    return app


def _error_response(status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    error: dict[str, Any] = {"code": code, "message": message}
    error.update(extra)
    return JSONResponse({"error": error}, status_code=status)


_HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 409: "conflict", 413: "payload_too_large",
               415: "unsupported_media_type", 422: "invalid_input", 429: "rate_limited"}


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(_: Request, exc: DomainError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
        response = JSONResponse(exc.to_body(), status_code=exc.status_code, headers=headers)
        return response

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"loc": [str(part) for part in err.get("loc", ())], "message": err.get("msg", "")}
            for err in exc.errors()
        ]
        message = "invalid request"
        if problems:
            loc, text = problems[0]["loc"], str(problems[0]["message"])
            message = f"{'.'.join(loc)}: {text}" if loc else text
        return _error_response(422, "invalid_input", message, problems=problems)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "error")
        return _error_response(exc.status_code, code, str(exc.detail))

    @app.exception_handler(Exception)
    async def unexpected_error(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return _error_response(500, "internal_error", "internal error; see the request id")


def create_app_from_env() -> FastAPI:
    """Entry point for uvicorn workers (`--factory`)."""
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_json)
    return create_app(settings, freeze_heap=True)
