"""App factory: middleware, routers and the one error handler; start-up is lifespan.py's."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from service.app.docs import install_docs
from service.app.lifespan import build_state, close_components, close_core, load_components
from service.app.preflight import check_prod_secrets
from service.auth.deps import is_keyed
from service.auth.service import ensure_env_admin_key
from service.badges.router import router as badges_router
from service.banks.router import router as banks_router
from service.captions.router import router as captions_router
from service.catalog.router import router as catalog_router
from service.console.mount import install as install_console
from service.health.router import router as health_router
from service.jobs.router import router as jobs_router
from service.kit import openapi
from service.kit.db import transaction
from service.kit.errors import DomainError
from service.kit.observability import (
    BodySizeLimitMiddleware,
    RequestContextMiddleware,
    configure_logging,
)
from service.kit.settings import Settings, get_settings
from service.listings.router import router as listings_router
from service.matching.router import router as matching_router
from service.networks.router import router as networks_router
from service.platforms.router import router as platforms_router
from service.review.router import router as review_router
from service.sellers.router import router as sellers_router
from service.webhooks.router import router as webhooks_router

log = logging.getLogger("trustd.app")


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
        app.state.trust = state
        if load_in_background:
            threading.Thread(target=load_components, args=(state, freeze_heap),
                             daemon=True).start()
        else:
            load_components(state, freeze_heap)
        try:
            yield
        finally:
            close_components(state)
            close_core(state)

    app = FastAPI(
        title="trustd",
        version="0.1.0",
        summary="Trust and counterfeit-risk moderation for social commerce",
        lifespan=lifespan,
        docs_url=None,  # served from the package by install_docs, not from a CDN
    )
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_request_bytes)
    app.add_middleware(RequestContextMiddleware)
    _install_error_handlers(app)
    for router in (health_router, catalog_router, matching_router, captions_router, listings_router, review_router,
                   webhooks_router, jobs_router, sellers_router, badges_router, platforms_router,
                   networks_router, banks_router):
        app.include_router(router)
    install_console(app)
    install_docs(app)
    openapi.install(app, is_keyed)
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
        headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else {}
        response = JSONResponse(exc.to_body(), status_code=exc.status_code,
                                headers={**headers, **(exc.headers or {})})
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
        if exc.status_code == 400:
            # The framework's body parsers (JSON that is not UTF-8, a broken multipart body):
            # invalid input like any other, as the raw-body routes answer it.
            return _error_response(422, "invalid_body", str(exc.detail))
        code = _HTTP_CODES.get(exc.status_code, "error")
        return _error_response(exc.status_code, code, str(exc.detail))

    @app.exception_handler(PoolTimeout)
    async def pool_exhausted(_: Request, exc: PoolTimeout) -> JSONResponse:
        # Every database connection stayed busy for the pool's whole timeout: overload, which
        # the caller can retry, not a fault of this request.
        log.warning("database connection pool exhausted: %s", exc)
        response = _error_response(503, "overloaded", "the server is overloaded; retry shortly")
        response.headers["Retry-After"] = "2"
        return response

    @app.exception_handler(Exception)
    async def unexpected_error(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return _error_response(500, "internal_error", "internal error; see the request id")


def create_app_from_env() -> FastAPI:
    """Entry point for uvicorn workers (`--factory`)."""
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_json)
    check_prod_secrets(settings)
    return create_app(settings, freeze_heap=True)
