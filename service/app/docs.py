"""`/docs` from the package: Swagger UI's files are vendored (service/app/swagger/), since the
default page loads them from a CDN and renders blank on a machine without internet."""

from __future__ import annotations

from functools import cache
from importlib import resources

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, Response

from service.kit.errors import NotFound

ASSETS = {"swagger-ui-bundle.js": "text/javascript; charset=utf-8",
          "swagger-ui.css": "text/css; charset=utf-8",
          "init.js": "text/javascript; charset=utf-8"}
CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; connect-src 'self'; font-src 'self' data:; "
       "frame-ancestors 'none'; base-uri 'none'")
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>trustd API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/init.js"></script></body></html>
"""


@cache
def _asset(name: str) -> bytes:
    return resources.files("service.app").joinpath(f"swagger/{name}").read_bytes()


def install_docs(app: FastAPI) -> None:
    """Call with an app created with `docs_url=None`."""

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(PAGE, headers={"Content-Security-Policy": CSP})

    @app.get("/docs/assets/{name}", include_in_schema=False)
    def docs_asset(name: str) -> Response:
        if name not in ASSETS:
            raise NotFound("no such docs asset")
        return Response(_asset(name), media_type=ASSETS[name],
                        headers={"Cache-Control": "public, max-age=86400"})
