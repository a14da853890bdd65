"""Puts the console on an app: its routers, and sign-in redirects for signed-out browsers."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from service.console import admin, items, router
from service.console.web import HEADERS, SignInRequired

SIGN_IN = "/console/sign-in"


def install(app: FastAPI) -> None:
    for module in (router, items, admin):
        app.include_router(module.router)

    @app.exception_handler(SignInRequired)
    async def signed_out(request: Request, exc: SignInRequired) -> Response:
        if request.headers.get("hx-request") == "true":  # htmx follows this header
            return Response(status_code=401, headers={**HEADERS, "HX-Redirect": SIGN_IN})
        if request.method in ("GET", "HEAD"):
            return RedirectResponse(SIGN_IN, status_code=303, headers=HEADERS)
        return JSONResponse(exc.to_body(), status_code=401, headers=HEADERS)
