"""The console's static files, read from the package once and served with a type each; only
the files named here are served (no path from the request reaches the file system)."""

from __future__ import annotations

from functools import cache
from importlib import resources

from fastapi.responses import Response

from service.kit.errors import NotFound

TYPES = {
    "htmx.min.js": "text/javascript; charset=utf-8",
    "console.js": "text/javascript; charset=utf-8",
    "console.css": "text/css; charset=utf-8",
}


@cache
def _read(name: str) -> bytes:
    return resources.files("service.console").joinpath(f"static/{name}").read_bytes()


def response(name: str) -> Response:
    media_type = TYPES.get(name)
    if media_type is None:
        raise NotFound("no such console asset", code="asset_not_found")
    return Response(_read(name), media_type=media_type, headers={
        "Cache-Control": "private, max-age=300", "X-Content-Type-Options": "nosniff"})
