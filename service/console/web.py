"""What every console page shares: the signed-in viewer from the session cookie, the CSRF
check on every state change, the language, and rendering under a strict CSP."""

from __future__ import annotations

import datetime as dt
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse

from service.console import i18n, people
from service.console.runtime import ConsoleRuntime
from service.core.deps import StateDep
from service.kit.db import utcnow
from service.kit.errors import DomainError, Forbidden
from service.kit.settings import Settings

COOKIE = "trustd_console"
PRE_COOKIE = "trustd_console_pre"  # the sign-in form's double-submit nonce
CSRF_HEADER = "x-csrf-token"
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff",
           "Referrer-Policy": "same-origin", "X-Frame-Options": "DENY",
           "Cache-Control": "no-store"}


class SignInRequired(DomainError):
    """No live session: pages redirect to the sign-in form, htmx requests are told to."""

    status_code = 401
    code = "signed_out"


@dataclass(frozen=True)
class Viewer:
    person: people.Person
    csrf_token: str
    started_at: dt.datetime
    lang: str


def secure_cookies(settings: Settings) -> bool:
    configured = settings.console_secure_cookies
    return settings.env != "dev" if configured is None else configured


def lang_of(request: Request) -> str:
    return i18n.choose(request.cookies.get(i18n.LANG_COOKIE),
                       request.headers.get("accept-language"))


def viewer_or_none(request: Request, state: StateDep) -> Viewer | None:
    token = request.cookies.get(COOKIE)
    if not token or len(token) > 100:
        return None
    settings = state.settings
    with state.session_factory() as session:
        signed = people.resume_session(
            session, token, utcnow(), dt.timedelta(minutes=settings.console_idle_minutes),
            dt.timedelta(hours=settings.console_session_hours))
    if signed is None:
        return None
    viewer = Viewer(signed.person, signed.csrf_token, signed.started_at, lang_of(request))
    request.state.principal = f"person:{signed.person.id}"  # for the access log
    return viewer


MaybeViewer = Annotated[Viewer | None, Depends(viewer_or_none)]


async def signed_in(viewer: MaybeViewer) -> Viewer:
    if viewer is None:
        raise SignInRequired("sign in to the console first")
    return viewer


SignedIn = Annotated[Viewer, Depends(signed_in)]


async def csrf_checked(request: Request, viewer: SignedIn) -> Viewer:
    """Every state change carries the session's token: a form field or htmx's header."""
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        value = (await request.form()).get("csrf")
        sent = value if isinstance(value, str) else None
    if not sent or not hmac.compare_digest(sent.encode(), viewer.csrf_token.encode()):
        raise Forbidden("missing or wrong CSRF token; reload the page", code="csrf_failed")
    return viewer


Acting = Annotated[Viewer, Depends(csrf_checked)]


async def senior_viewer(viewer: SignedIn) -> Viewer:
    if not viewer.person.senior:
        raise Forbidden("this page is for senior moderators and admins", code="senior_only")
    return viewer


async def admin_viewer(viewer: SignedIn) -> Viewer:
    if not viewer.person.admin:
        raise Forbidden("this page is for admins", code="admin_only")
    return viewer


SeniorViewer = Annotated[Viewer, Depends(senior_viewer)]
AdminViewer = Annotated[Viewer, Depends(admin_viewer)]


def translator(runtime: ConsoleRuntime, lang: str) -> Callable[[str], str]:
    return runtime.catalogs[lang].gettext


def render(runtime: ConsoleRuntime, template: str, lang: str, viewer: Viewer | None,
           context: dict[str, Any], status: int = 200,
           headers: dict[str, str] | None = None) -> HTMLResponse:
    _ = translator(runtime, lang)
    page = runtime.templates.get_template(template).render(
        _=_, lang=lang, html_lang=i18n.HTML_LANG[lang], languages=i18n.LANGUAGES,
        viewer=viewer, person=viewer.person if viewer else None,
        break_minutes=runtime.break_minutes,
        csrf=viewer.csrf_token if viewer else "", **context)
    return HTMLResponse(page, status_code=status, headers={**HEADERS, **(headers or {})})

