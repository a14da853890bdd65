"""Console pages: sign-in and sign-out, language, preferences, the queue, its assets."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from models.risk.scoring import REASON_CODES
from service.console import assets, people, service
from service.console.i18n import LANG_COOKIE, LANGUAGES
from service.console.runtime import ConsoleDep
from service.console.schemas import QueueQuery
from service.console.web import (
    COOKIE,
    HEADERS,
    PRE_COOKIE,
    Acting,
    MaybeViewer,
    SignedIn,
    lang_of,
    render,
    secure_cookies,
)
from service.core.deps import SessionDep, StateDep
from service.kit.db import utcnow
from service.kit.errors import RateLimited
from service.review import service as review

router = APIRouter(prefix="/console", include_in_schema=False)
YEAR = 365 * 86400


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303, headers=HEADERS)


@router.get("")
def home(viewer: MaybeViewer) -> Response:
    return _redirect("/console/queue" if viewer else "/console/sign-in")


@router.get("/static/{name}")
def static(name: str) -> Response:
    return assets.response(name)


@router.get("/sign-in")
def sign_in_page(request: Request, viewer: MaybeViewer, runtime: ConsoleDep,
                 state: StateDep) -> Response:
    if viewer is not None:
        return _redirect("/console/queue")
    return _sign_in_form(request, runtime, state.settings.env, None, 200)


def _sign_in_form(request: Request, runtime: ConsoleDep, env: str, error: str | None,
                  status: int, retry_after: int | None = None) -> Response:
    nonce = request.cookies.get(PRE_COOKIE) or ""
    if not 20 <= len(nonce) <= 64:
        nonce = secrets.token_urlsafe(24)
    headers = {"Retry-After": str(retry_after)} if retry_after else None
    response = render(runtime, "sign_in.html", lang_of(request), None,
                      {"error": error, "nonce": nonce}, status, headers)
    response.set_cookie(PRE_COOKIE, nonce, max_age=3600, path="/console", httponly=True,
                        samesite="strict", secure=env != "dev" and request.url.scheme == "https")
    return response


@router.post("/sign-in")
def sign_in(request: Request, runtime: ConsoleDep, state: StateDep, session: SessionDep,
            username: Annotated[str, Form(max_length=64)] = "",
            password: Annotated[str, Form(max_length=1000)] = "",
            csrf: Annotated[str, Form(max_length=100)] = "") -> Response:
    _ = runtime.catalogs[lang_of(request)].gettext
    settings = state.settings
    nonce = request.cookies.get(PRE_COOKIE) or ""
    if not nonce or not hmac.compare_digest(nonce.encode(), csrf.encode()):
        return _sign_in_form(request, runtime, settings.env,
                             _("The form expired. Please sign in again."), 403)
    address = request.client.host if request.client else "unknown"
    try:
        runtime.limits.check(settings.console_signin_rate_limit, "console-signin", address)
        runtime.limits.check(settings.console_signin_rate_limit, "console-signin-user",
                             username.lower())
    except RateLimited as exc:
        return _sign_in_form(request, runtime, settings.env,
                             _("Too many sign-in attempts. Wait a minute and try again."), 429,
                             int(exc.details.get("retry_after_seconds", 60)))
    record = people.check_password(session, username.strip(), password)
    if record is None:
        return _sign_in_form(request, runtime, settings.env,
                             _("Wrong user name or password."), 401)
    opened = people.open_session(session, record, utcnow())
    session.commit()
    response = _redirect("/console/queue")
    response.set_cookie(COOKIE, opened.token, path="/console", httponly=True,
                        samesite="strict", secure=secure_cookies(settings))
    response.delete_cookie(PRE_COOKIE, path="/console")
    return response


@router.post("/sign-out")
def sign_out(request: Request, viewer: Acting, session: SessionDep) -> Response:
    people.close_session(session, request.cookies.get(COOKIE, ""))
    response = _redirect("/console/sign-in")
    response.delete_cookie(COOKIE, path="/console")
    return response


@router.post("/lang")
def set_language(request: Request, lang: Annotated[str, Form(max_length=10)] = "",
                 back: Annotated[str, Form(max_length=300)] = "/console/queue") -> Response:
    # No session needed (the sign-in page switches too); SameSite and the Origin check of
    # browsers keep other sites from flipping it, and it changes nothing but the language.
    response = _redirect(back if back.startswith("/console") and "//" not in back
                         else "/console/queue")
    if lang in LANGUAGES:
        response.set_cookie(LANG_COOKIE, lang, max_age=YEAR, path="/console", samesite="strict",
                            secure=request.url.scheme == "https")
    return response


@router.post("/prefs")
def set_prefs(viewer: Acting, session: SessionDep,
              blur: Annotated[str | None, Form(max_length=5)] = None,
              greyscale: Annotated[str | None, Form(max_length=5)] = None) -> Response:
    changes = {k: v == "on" for k, v in (("blur", blur), ("greyscale", greyscale))
               if v is not None}
    person = people.set_prefs(session, viewer.person.id, changes)
    return Response(status_code=204, headers={
        **HEADERS, "X-Prefs": f"blur={int(person.blur)};greyscale={int(person.greyscale)}"})


@router.get("/queue")
def queue_page(request: Request, viewer: SignedIn, runtime: ConsoleDep, session: SessionDep,
               query: Annotated[QueueQuery, Query()]) -> Response:
    if query.queue == "senior" and not viewer.person.senior:
        query = query.model_copy(update={"queue": "standard"})
    view = service.queue_view(session, viewer.person, query, utcnow(), runtime.counts)
    return render(runtime, "queue.html", viewer.lang, viewer,
                  {"view": view, "query": query, "now": utcnow(), "levels": service.LEVELS,
                   "next_queue": query.queue, "reason_codes": REASON_CODES,
                   "ages": service.AGES, "empty": request.query_params.get("empty") == "1",
                   "bulk": _bulk_result(request)})


def _bulk_result(request: Request) -> tuple[int, int] | None:
    done, refused = (request.query_params.get(k, "") for k in ("bulk_done", "bulk_refused"))
    return (int(done), int(refused)) if done.isdigit() and refused.isdigit() else None


@router.post("/next")
def start_reviewing(viewer: Acting, session: SessionDep, state: StateDep,
                    query: Annotated[QueueQuery, Form()]) -> Response:
    item = review.claim_next(session, service.queue_filter(query, viewer.person, False),
                             viewer.person.actor, utcnow(), state.settings.review_lease_seconds)
    if item is None:
        return _redirect(f"/console/queue?queue={query.queue}&empty=1")
    return _redirect(f"/console/items/{item.id}")
