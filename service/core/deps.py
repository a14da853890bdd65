"""Typed dependency aliases for the shared state: routers declare what they need, never how
it is built. Authentication's aliases live in service/auth/deps.py."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from redis import Redis
from sqlalchemy.orm import Session

from service.core.state import CoreState
from service.kit.settings import Settings


def state_of(request: Request) -> CoreState:
    state: CoreState = request.app.state.trust
    return state


# Dependencies that only read app state are async: a sync one costs a thread-pool hop per call.
async def get_state(request: Request) -> CoreState:
    return state_of(request)


StateDep = Annotated[CoreState, Depends(get_state)]


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
