"""Typed dependency aliases: routers declare what they need, never how it is built."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from typing import Annotated

from fastapi import Depends, Header, Request
from redis import Redis
from sqlalchemy.orm import Session

from service.auth.service import Principal, Role, resolve_key
from service.errors import Forbidden
from service.settings import Settings
from service.state import AppState


# Dependencies that only read app state are async: a sync one costs a thread-pool hop per call.
async def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.trust
    return state


StateDep = Annotated[AppState, Depends(get_state)]


async def get_settings_dep(state: StateDep) -> Settings:
    return state.settings


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


def get_session(state: StateDep) -> Iterator[Session]:
    with state.session_factory() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


async def get_redis(state: StateDep) -> Redis | None:
    return state.redis


RedisDep = Annotated[Redis | None, Depends(get_redis)]


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
