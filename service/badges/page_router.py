"""The public seller page `GET /s/{seller_id}` and its anonymous report form."""

from __future__ import annotations

import html
import time
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Cookie, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from service.badges import csrf, repository
from service.badges.page import (
    CONTENT_SECURITY_POLICY,
    SellerPageView,
    TokenCheck,
    humanize_age,
    render_seller_page,
)
from service.badges.qr import qr_svg
from service.badges.render import render_badge_svg, tier_color, tier_message
from service.badges.runtime import BadgesDep, BadgesRuntime
from service.badges.tokens import VerifyFailure, verify_token
from service.core.deps import StateDep
from service.core.state import CoreState
from service.kit.errors import RateLimited
from service.sellers import service
from service.sellers.runtime import RuntimeDep, SellersRuntime, current_summary
from service.sellers.schemas import SELLER_ID_PATTERN

router = APIRouter(tags=["public page"])

SellerId = Annotated[str, Path(pattern=SELLER_ID_PATTERN, max_length=200)]
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",  # the page carries a per-visitor form token
}
FAILURE_TEXT = {
    VerifyFailure.MALFORMED: "This is not a badge token.",
    VerifyFailure.UNKNOWN_KEY: "This badge was not signed by a key of this service.",
    VerifyFailure.BAD_SIGNATURE: "This badge was altered: its signature does not match.",
    VerifyFailure.EXPIRED: "This badge has expired.",
    VerifyFailure.NOT_YET_VALID: "This badge is dated in the future.",
}


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _token_check(runtime: SellersRuntime, badges: BadgesRuntime, state: CoreState, seller_id: str,
                 token: str, now: datetime) -> TokenCheck:
    result = verify_token(badges.key_ring, token.strip(), now)
    claims = result.claims
    if claims is None:
        reason = result.failure or VerifyFailure.MALFORMED
        return TokenCheck(False, "Not a genuine badge", [FAILURE_TEXT[reason]])
    age_days = (now - claims.issued_at).total_seconds() / 86400
    details = [
        f"Issued {humanize_age(age_days)} for platform {claims.platform}, showing "
        f"{tier_message(claims.tier, claims.score)}.",
    ]
    current = current_summary(state, runtime, claims.seller_id)
    if current.tier != claims.tier:
        details.append(f"The tier has changed since: it is now {current.tier}.")
    if claims.seller_id != seller_id:
        return TokenCheck(False, "This badge belongs to a different seller", details)
    if not result.valid:
        return TokenCheck(False, FAILURE_TEXT[result.failure or VerifyFailure.MALFORMED], details)
    return TokenCheck(True, "Genuine badge", details)


def _html(body: str, status: int = 200, extra: dict[str, str] | None = None) -> HTMLResponse:
    return HTMLResponse(body, status_code=status, headers={**PAGE_HEADERS, **(extra or {})})


HTML_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"description": text, "content": {"text/html": {}}} for code, text in (
    (403, "the form's token is missing, expired, for another page or already used"),
    (429, "too many requests from this address: retry after `Retry-After` seconds"))}


@router.get("/s/{seller_id}", response_class=HTMLResponse, name="seller_page",
            responses={429: HTML_ERRORS[429]})
def seller_page(
    seller_id: SellerId,
    request: Request,
    state: StateDep,
    runtime: RuntimeDep,
    badges: BadgesDep,
    token: Annotated[str | None, Query(max_length=1024)] = None,
    reported: Annotated[int | None, Query(ge=0, le=1)] = None,
    nonce: Annotated[str | None, Cookie(alias=csrf.COOKIE_NAME, max_length=64)] = None,
) -> Response:
    try:
        runtime.limits.check(state.settings.public_rate_limit, "public", _address(request))
    except RateLimited as exc:
        return _html(f"<p>{html.escape(exc.message)}</p>", 429, _retry_after(exc))
    now = datetime.now(UTC)
    summary = current_summary(state, runtime, seller_id)
    base = state.settings.public_base_url
    page_path = f"/s/{seller_id}"
    page_url = f"{base.rstrip('/')}{page_path}" if base else str(request.url_for("seller_page", seller_id=seller_id))
    nonce = nonce if nonce and csrf.NONCE_PATTERN.fullmatch(nonce) else csrf.new_nonce()
    score = f"{summary.score * 100:.0f} / 100"
    if summary.tier == "new":
        score += " (not enough feedback to rate yet)"
    view = SellerPageView(
        seller_id=seller_id,
        tier=summary.tier,
        score=score,
        feedback_count=summary.feedback_count,
        last_feedback=humanize_age(summary.days_since_last_feedback),
        reasons=[r.message for r in summary.reasons],
        badge_svg=render_badge_svg(tier_message(summary.tier, summary.score), tier_color(summary.tier)),
        qr_svg=qr_svg(page_url),
        page_path=page_path,
        page_url=page_url,
        report_path=f"{page_path}/report",
        csrf_token=csrf.form_token(badges.csrf_secret, nonce, seller_id, time.time()),
        token_value=token or "",
        check=_token_check(runtime, badges, state, seller_id, token, now) if token else None,
        notice="Thank you: your report was filed." if reported else None,
    )
    return _with_nonce(_html(render_seller_page(view)), nonce, request)


def _with_nonce(response: Response, nonce: str, request: Request) -> Response:
    response.set_cookie(
        csrf.COOKIE_NAME,
        nonce,
        max_age=csrf.MAX_AGE_SECONDS,
        path="/s/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


def _reload_text(problem: str, seller_id: str) -> str:
    return (f'<p>{problem} <a href="/s/{html.escape(seller_id)}">Reload the page</a> and try '
            "again.</p>")


def _retry_after(exc: RateLimited) -> dict[str, str]:
    return {"Retry-After": str(exc.details.get("retry_after_seconds", 60))}


@router.post("/s/{seller_id}/report", response_class=HTMLResponse,
             responses={303: {"description": "filed: back to the seller's page"}, **HTML_ERRORS})
def report(
    seller_id: SellerId,
    request: Request,
    state: StateDep,
    runtime: RuntimeDep,
    badges: BadgesDep,
    rating: Annotated[int, Form(ge=1, le=5)] = 1,
    counterfeit_suspected: Annotated[str | None, Form(max_length=8)] = None,
    as_described: Annotated[Literal["yes", "no", ""] | None, Form()] = None,
    comment: Annotated[str | None, Form(max_length=1000)] = None,
    form_token: Annotated[str | None, Form(alias="csrf", max_length=100)] = None,
    nonce: Annotated[str | None, Cookie(alias=csrf.COOKIE_NAME, max_length=64)] = None,
) -> Response:
    if form_token is None or not csrf.check_form_token(badges.csrf_secret, nonce, seller_id,
                                                       form_token, time.time()):
        return _html(_reload_text("This form has expired or was not sent from this site.",
                                  seller_id), 403)
    try:
        runtime.limits.check(state.settings.report_rate_limit, "report", _address(request))
    except RateLimited as exc:
        return _html(f"<p>{html.escape(exc.message)}</p>", 429, _retry_after(exc))
    with state.session_factory() as session:
        now = datetime.now(UTC)
        expires = datetime.fromtimestamp(csrf.expires_at(form_token), UTC)
        if not repository.spend_form_token(session, csrf.token_id(form_token), expires, now):
            return _html(_reload_text("This form was already sent.", seller_id), 403)
        service.file_public_report(
            session,
            seller_id=seller_id,
            reporter=_address(request),
            rating=rating,
            counterfeit_suspected=counterfeit_suspected is not None,
            as_described={"yes": True, "no": False}.get(as_described or ""),
            comment=comment,
            pseudonym_secret=runtime.pseudonym_secret,
            cache=state.cache,
            memo=runtime.memo,
        )
    # A fresh nonce: the next form's token differs from the spent one even within its second.
    return _with_nonce(RedirectResponse(f"/s/{seller_id}?reported=1", status_code=303,
                                        headers=PAGE_HEADERS), csrf.new_nonce(), request)
