"""Typed dependency aliases for the caller's key and role."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Header, Request

from service.auth.service import Principal, Role, resolve_key
from service.core.deps import StateDep
from service.kit.errors import Forbidden


def authenticate(
    request: Request,
    state: StateDep,
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Principal:
    # No SessionDep: a generator dependency costs two thread hand-offs per request, and the
    # key is almost always answered from the cache.
    principal = resolve_key(state.session_factory, authorization, state.cache,
                            state.settings.key_cache_seconds)
    request.state.principal = principal  # for the access log
    return principal


CurrentPrincipal = Annotated[Principal, Depends(authenticate)]


def require_roles(*roles: Role) -> Callable[[Principal], Awaitable[Principal]]:
    allowed = frozenset(roles)

    async def check(principal: CurrentPrincipal) -> Principal:
        if principal.role not in allowed:
            names = ", ".join(sorted(r.value for r in allowed))
            raise Forbidden(f"this endpoint needs a key with role: {names}")
        return principal

    return check


CurrentAdmin = Annotated[Principal, Depends(require_roles(Role.admin))]
CurrentPlatform = Annotated[Principal, Depends(require_roles(Role.platform, Role.admin))]
CurrentModerator = Annotated[Principal, Depends(
    require_roles(Role.moderator, Role.senior_moderator, Role.admin))]
AnyRole = Annotated[Principal, Depends(
    require_roles(Role.admin, Role.platform, Role.moderator, Role.senior_moderator))]
