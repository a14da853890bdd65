"""Typed dependency aliases for the caller's key and role, and the route class that checks
them before anything reads the request body."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from service.auth.service import Principal, Role, resolve_key
from service.core.deps import state_of
from service.kit.errors import Forbidden


def _resolve(request: Request) -> Principal:
    state = state_of(request)
    principal = resolve_key(state.session_factory, request.headers.get("authorization"),
                            state.cache, state.settings.key_cache_seconds)
    request.state.principal = principal  # for the access log, and resolved once per request
    return principal


async def authenticate(request: Request) -> Principal:
    principal: Principal | None = getattr(request.state, "principal", None)
    if principal is not None:  # AuthFirstRoute resolved it before the body was read
        return principal
    # Off the event loop: the key is almost always answered from the cache, but a miss (or a
    # Redis cache) is I/O. One hop, and no SessionDep: a generator dependency costs two.
    return await run_in_threadpool(_resolve, request)


CurrentPrincipal = Annotated[Principal, Depends(authenticate)]


class RoleCheck:
    """The dependency `require_roles` returns; AuthFirstRoute finds it by type."""

    def __init__(self, roles: frozenset[Role]) -> None:
        self.roles = roles

    def authorize(self, principal: Principal) -> Principal:
        if principal.role not in self.roles:
            names = ", ".join(sorted(r.value for r in self.roles))
            raise Forbidden(f"this endpoint needs a key with role: {names}")
        return principal

    async def __call__(self, principal: CurrentPrincipal) -> Principal:
        return self.authorize(principal)


def require_roles(*roles: Role) -> RoleCheck:
    return RoleCheck(frozenset(roles))


def _role_check(dependant: Dependant) -> RoleCheck | None:
    for sub in dependant.dependencies:
        if isinstance(sub.call, RoleCheck):
            return sub.call
        found = _role_check(sub)
        if found is not None:
            return found
    return None


def is_keyed(route: APIRoute) -> bool:
    """Whether the route needs a key (for the OpenAPI document's security and 401/403)."""
    return _role_check(route.dependant) is not None


class AuthFirstRoute(APIRoute):
    """Answers 401/403 before the body is parsed: FastAPI reads and decodes a JSON body before
    it resolves any dependency, so a caller without a key would otherwise learn about the
    body's syntax (422) and make the server parse bodies it never had to accept."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        check = _role_check(self.dependant)
        if check is None:
            return handler

        async def authenticated_first(request: Request) -> Response:
            check.authorize(await run_in_threadpool(_resolve, request))
            return await handler(request)

        return authenticated_first


CurrentAdmin = Annotated[Principal, Depends(require_roles(Role.admin))]
CurrentPlatform = Annotated[Principal, Depends(require_roles(Role.platform, Role.admin))]
CurrentModerator = Annotated[Principal, Depends(
    require_roles(Role.moderator, Role.senior_moderator, Role.admin))]
AnyRole = Annotated[Principal, Depends(
    require_roles(Role.admin, Role.platform, Role.moderator, Role.senior_moderator))]
