"""Badge endpoints: SVG and shields.io badges, signed tokens, verification and public keys.

Public endpoints are rate-limited per client address. The SVG and JSON badges are served from
an in-process memo after the first request, with an ETag so clients revalidate for free.
"""

from __future__ import annotations

import functools
import hashlib
import json
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from service.auth.service import Principal, Role
from service.badges.page_router import router as page_router
from service.badges.render import render_badge_svg, shields_endpoint, tier_color, tier_message
from service.badges.tokens import sign_token, verify_token
from service.deps import StateDep, require_roles
from service.sellers.runtime import (
    RuntimeDep,
    SellersRuntime,
    app_state,
    check_limit,
    current_summary,
    summary_for,
)
from service.sellers.schemas import SELLER_ID_PATTERN
from service.state import AppState

router = APIRouter(tags=["badges"])
router.include_router(page_router)

SellerId = Annotated[str, Path(pattern=SELLER_ID_PATTERN, max_length=200)]
PlatformKey = Annotated[Principal, Depends(require_roles(Role.platform, Role.admin))]
SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff"}


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def limit_public(request: Request, runtime: RuntimeDep) -> None:
    rule = app_state(request).settings.public_rate_limit
    await check_limit(runtime, rule, "public", client_address(request))


PublicLimited = Depends(limit_public)


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:20] + '"'


@functools.lru_cache(maxsize=1024)
def _svg_body(tier: str, score: float) -> tuple[bytes, str]:
    """Badge bytes and ETag; a handful of distinct badges exist, so render each once."""
    body = render_badge_svg(tier_message(tier, score), tier_color(tier)).encode()
    return body, _etag(body)


@functools.lru_cache(maxsize=1024)
def _json_body(tier: str, score: float) -> tuple[bytes, str]:
    endpoint = shields_endpoint(tier_message(tier, score), tier_color(tier))
    body = json.dumps(endpoint, separators=(",", ":")).encode()
    return body, _etag(body)


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
    responses={200: {"content": {"image/svg+xml": {}}}, 304: {"description": "not modified"}},
)
async def badge_svg(seller_id: SellerId, request: Request, runtime: RuntimeDep) -> Response:
    state = app_state(request)
    summary = await summary_for(state, runtime, seller_id)
    body, etag = _svg_body(summary.tier, summary.score)
    response = _cached_response(request, body, etag, "image/svg+xml; charset=utf-8", state.settings.badge_cache_seconds)
    # An SVG opened directly is a document: forbid anything active in it.
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


@router.get("/v1/sellers/{seller_id}/badge.json", dependencies=[PublicLimited])
async def badge_json(seller_id: SellerId, request: Request, runtime: RuntimeDep) -> Response:
    state = app_state(request)
    summary = await summary_for(state, runtime, seller_id)
    body, etag = _json_body(summary.tier, summary.score)
    return _cached_response(request, body, etag, "application/json", state.settings.badge_cache_seconds)


class BadgeTokenOut(BaseModel):
    token: str
    seller_id: str
    platform: str
    tier: str
    score: float
    issued_at: datetime
    expires_at: datetime
    kid: str
    page_url: str


def page_url(request: Request, state: AppState, seller_id: str) -> str:
    base = state.settings.public_base_url
    if base:
        return f"{base.rstrip('/')}/s/{seller_id}"
    return str(request.url_for("seller_page", seller_id=seller_id))


@router.get("/v1/sellers/{seller_id}/badge-token", response_model=BadgeTokenOut)
def badge_token(
    seller_id: SellerId,
    request: Request,
    principal: PlatformKey,
    state: StateDep,
    runtime: RuntimeDep,
) -> BadgeTokenOut:
    summary = current_summary(state, runtime, seller_id)
    platform = principal.platform_id or "trustd"
    token, claims = sign_token(
        runtime.key_ring,
        seller_id=seller_id,
        platform=platform,
        tier=summary.tier,
        score=summary.score,
        now=datetime.now(UTC),
    )
    return BadgeTokenOut(
        token=token,
        seller_id=seller_id,
        platform=platform,
        tier=claims.tier,
        score=claims.score,
        issued_at=claims.issued_at,
        expires_at=claims.expires_at,
        kid=claims.kid,
        page_url=f"{page_url(request, state, seller_id)}?token={token}",
    )


class VerifyIn(BaseModel):
    token: str = Field(min_length=1, max_length=1024)


def verification_report(runtime: SellersRuntime, state: AppState, token: str, now: datetime) -> dict[str, Any]:
    result = verify_token(runtime.key_ring, token.strip(), now)
    out: dict[str, Any] = {
        "valid": result.valid,
        "failure": result.failure.value if result.failure else None,
        "claims": None,
        "current": None,
    }
    claims = result.claims
    if claims is None:
        return out
    current = current_summary(state, runtime, claims.seller_id)
    out["claims"] = {
        "seller_id": claims.seller_id,
        "platform": claims.platform,
        "tier": claims.tier,
        "score": claims.score,
        "issued_at": claims.issued_at.isoformat(),
        "expires_at": claims.expires_at.isoformat(),
        "kid": claims.kid,
        "age_seconds": int((now - claims.issued_at).total_seconds()),
    }
    out["current"] = {
        "tier": current.tier,
        "score": current.score,
        "feedback_count": current.feedback_count,
        "computed_at": current.computed_at.isoformat(),
        "tier_changed": current.tier != claims.tier,
    }
    return out


@router.post("/v1/badges/verify", dependencies=[PublicLimited])
async def verify(body: VerifyIn, request: Request, runtime: RuntimeDep) -> dict[str, Any]:
    """Is this badge token genuine and current? Answers 200 either way; see `valid`."""
    state = app_state(request)
    return await run_in_threadpool(verification_report, runtime, state, body.token, datetime.now(UTC))


@router.get("/v1/badges/keys", dependencies=[PublicLimited])
async def keys(runtime: RuntimeDep) -> JSONResponse:
    body = {"keys": runtime.key_ring.public_keys(datetime.now(UTC))}
    return JSONResponse(body, headers={"Cache-Control": "public, max-age=300", **SECURITY_HEADERS})
