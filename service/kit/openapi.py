"""The OpenAPI document, completed: every error an operation can answer, with the one error
body the handlers render (service/kit/errors.py), and the bearer scheme on keyed operations.

Errors that follow from an operation's shape are added here: 401/403 where it needs a key,
422 where it takes parameters or a body, 413 where it takes a body. Routes declare the
others they can answer with `errors(404, 409, ...)`; this fills in their body schema.
"""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

from service.kit.errors import ErrorBody

ERROR_REF = {"$ref": "#/components/schemas/ErrorBody"}
DESCRIPTIONS = {
    401: "no key, or an unknown or revoked one",
    403: "the key's role may not use this operation",
    404: "no such resource (for this key's platform)",
    409: "conflicts with the resource's current state",
    413: "the body, or an image in it, is over its size limit",
    415: "the body's content type is not one this operation reads",
    422: "invalid input: `error.problems` names every invalid field",
    429: "rate limited: retry after the `Retry-After` header's seconds",
    503: "a component it needs is still loading or is overloaded: retry later",
}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: these error statuses, with the standard descriptions."""
    return {code: {"description": DESCRIPTIONS.get(code, HTTPStatus(code).phrase)}
            for code in codes}


def install(app: FastAPI, is_keyed: Callable[[APIRoute], bool]) -> None:
    """Replaces `app.openapi` with the completed document (built once, on first use)."""
    base = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = complete(base(), app, is_keyed)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def complete(schema: dict[str, Any], app: FastAPI, is_keyed: Callable[[APIRoute], bool]
             ) -> dict[str, Any]:
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    error_schema = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(error_schema.pop("$defs", {}))
    schemas["ErrorBody"] = error_schema
    components.setdefault("securitySchemes", {})["bearer"] = {
        "type": "http", "scheme": "bearer", "description": "an API key: `Bearer trk_...`"}
    # Included routers stay routers of their own in app.routes: walk the routes they serve.
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute) or not context.include_in_schema:
            continue
        for method in context.methods or ():
            operation = schema["paths"].get(context.path_format, {}).get(method.lower())
            if operation is not None:
                _complete_operation(operation, is_keyed(route))
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    return schema


def _complete_operation(operation: dict[str, Any], keyed: bool) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    implied = set()
    if keyed:
        operation["security"] = [{"bearer": []}]
        implied |= {401, 403}
    if "requestBody" in operation:
        implied |= {413, 422}
    if operation.get("parameters"):
        implied.add(422)
    for code in implied:
        responses.setdefault(str(code), {"description": DESCRIPTIONS[code]})
    for status, response in responses.items():
        if not status.isdigit() or int(status) < 400:
            continue
        if status == "422" or "content" not in response:  # FastAPI's own 422 is not ours
            response["content"] = {"application/json": {"schema": dict(ERROR_REF)}}
        if response.get("description") in (None, "", "Validation Error"):
            response["description"] = DESCRIPTIONS.get(int(status), HTTPStatus(int(status)).phrase)
