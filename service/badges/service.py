"""Badge logic without web types: rendered bodies with their ETags, signed tokens and their
verification against the seller's current reputation."""

from __future__ import annotations

import functools
import hashlib
import json
from datetime import datetime
from typing import Any

from service.badges.keyring import KeyRing
from service.badges.render import render_badge_svg, shields_endpoint, tier_color, tier_message
from service.badges.schemas import BadgeTokenOut
from service.badges.tokens import sign_token, verify_token
from service.core.state import CoreState
from service.sellers.runtime import SellersRuntime, current_summary


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:20] + '"'


@functools.lru_cache(maxsize=1024)
def svg_body(tier: str, score: float) -> tuple[bytes, str]:
    """Badge bytes and ETag; a handful of distinct badges exist, so render each once."""
    body = render_badge_svg(tier_message(tier, score), tier_color(tier)).encode()
    return body, etag_of(body)


@functools.lru_cache(maxsize=1024)
def json_body(tier: str, score: float) -> tuple[bytes, str]:
    endpoint = shields_endpoint(tier_message(tier, score), tier_color(tier))
    body = json.dumps(endpoint, separators=(",", ":")).encode()
    return body, etag_of(body)


def issue_token(state: CoreState, sellers: SellersRuntime, key_ring: KeyRing, seller_id: str,
                platform: str, page_url: str, now: datetime) -> BadgeTokenOut:
    summary = current_summary(state, sellers, seller_id)
    token, claims = sign_token(key_ring, seller_id=seller_id, platform=platform,
                               tier=summary.tier, score=summary.score, now=now)
    return BadgeTokenOut(
        token=token,
        seller_id=seller_id,
        platform=platform,
        tier=claims.tier,
        score=claims.score,
        issued_at=claims.issued_at,
        expires_at=claims.expires_at,
        kid=claims.kid,
        page_url=f"{page_url}?token={token}",
    )


def verification_report(state: CoreState, sellers: SellersRuntime, key_ring: KeyRing,
                        token: str, now: datetime) -> dict[str, Any]:
    result = verify_token(key_ring, token.strip(), now)
    out: dict[str, Any] = {
        "valid": result.valid,
        "failure": result.failure.value if result.failure else None,
        "claims": None,
        "current": None,
    }
    claims = result.claims
    if claims is None:
        return out
    current = current_summary(state, sellers, claims.seller_id)
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
