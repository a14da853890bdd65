"""Badge endpoints: SVG and shields.io badges, signed tokens, verification and public keys.

Public endpoints are rate-limited per client address. The SVG and JSON badges are served from
an in-process memo after the first request, with an ETag so clients revalidate for free.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from service.auth.deps import AuthFirstRoute, require_roles
from service.auth.service import Principal, Role
from service.badges import service
from service.badges.page_router import router as page_router
from service.badges.runtime import BadgesDep
from service.badges.schemas import BadgeTokenOut, VerifyIn
from service.core.deps import StateDep
from service.core.state import CoreState
from service.kit.openapi import errors
from service.sellers.runtime import RuntimeDep, check_limit, summary_for
from service.sellers.schemas import SELLER_ID_PATTERN

router = APIRouter(tags=["badges"], route_class=AuthFirstRoute)
router.include_router(page_router)

SellerId = Annotated[str, Path(pattern=SELLER_ID_PATTERN, max_length=200)]
PlatformKey = Annotated[Principal, Depends(require_roles(Role.platform, Role.admin))]
SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff"}


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def limit_public(request: Request, state: StateDep, runtime: RuntimeDep) -> None:
    await check_limit(runtime, state.settings.public_rate_limit, "public", client_address(request))


PublicLimited = Depends(limit_public)


def _not_modified(request: Request, etag: str) -> bool:
    header = request.headers.get("if-none-match")
    if not header:
        return False
    candidates = {c.strip().removeprefix("W/") for c in header.split(",")}
    return etag in candidates or "*" in candidates


def _cached_response(request: Request, body: bytes, etag: str, media_type: str, max_age: int) -> Response:
    headers = {
        "ETag": etag,
        "Cache-Control": f"public, max-age={max_age}",
        **SECURITY_HEADERS,
    }
    if _not_modified(request, etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


@router.get(
    "/v1/sellers/{seller_id}/badge.svg",
    response_class=Response,
    dependencies=[PublicLimited],
    responses={**errors(429, 503), 200: {"content": {"image/svg+xml": {}}},
               304: {"description": "not modified"}},
)
async def badge_svg(seller_id: SellerId, request: Request, state: StateDep,
                    runtime: RuntimeDep) -> Response:
    summary = await summary_for(state, runtime, seller_id)
    body, etag = service.svg_body(summary.tier, summary.score)
    response = _cached_response(request, body, etag, "image/svg+xml; charset=utf-8", state.settings.badge_cache_seconds)
    # An SVG opened directly is a document: forbid anything active in it.
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


@router.get("/v1/sellers/{seller_id}/badge.json", dependencies=[PublicLimited],
            responses={**errors(429, 503), 304: {"description": "not modified"}})
async def badge_json(seller_id: SellerId, request: Request, state: StateDep,
                     runtime: RuntimeDep) -> Response:
    summary = await summary_for(state, runtime, seller_id)
    body, etag = service.json_body(summary.tier, summary.score)
    return _cached_response(request, body, etag, "application/json", state.settings.badge_cache_seconds)


def page_url(request: Request, state: CoreState, seller_id: str) -> str:
    base = state.settings.public_base_url
    if base:
        return f"{base.rstrip('/')}/s/{seller_id}"
    return str(request.url_for("seller_page", seller_id=seller_id))


@router.get("/v1/sellers/{seller_id}/badge-token", response_model=BadgeTokenOut,
            responses=errors(503))
def badge_token(
    seller_id: SellerId,
    request: Request,
    principal: PlatformKey,
    state: StateDep,
    runtime: RuntimeDep,
    badges: BadgesDep,
) -> BadgeTokenOut:
    return service.issue_token(state, runtime, badges.key_ring, seller_id,
                               principal.platform_id or "trustd",
                               page_url(request, state, seller_id), datetime.now(UTC))


@router.post("/v1/badges/verify", dependencies=[PublicLimited], responses=errors(429, 503))
async def verify(body: VerifyIn, state: StateDep, runtime: RuntimeDep,
                 badges: BadgesDep) -> dict[str, Any]:
    """Is this badge token genuine and current? Answers 200 either way; see `valid`."""
    return await run_in_threadpool(service.verification_report, state, runtime,
                                   badges.key_ring, body.token, datetime.now(UTC))


@router.get("/v1/badges/keys", dependencies=[PublicLimited], responses=errors(429, 503))
async def keys(badges: BadgesDep) -> JSONResponse:
    body = {"keys": badges.key_ring.public_keys(datetime.now(UTC))}
    return JSONResponse(body, headers={"Cache-Control": "public, max-age=300", **SECURITY_HEADERS})
