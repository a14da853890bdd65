"""The badges domain's signing keys and form secret, built at start-up into its `badges`
component, after the sellers domain's (the form secret derives from its secret)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Protocol

from fastapi import Depends, Request

from service.badges.keyring import KeyRing
from service.badges.secrets import badge_key_ring
from service.core.state import Component
from service.kit.settings import Settings
from service.sellers.runtime import SellersRuntime
from service.sellers.secrets import derived_key


@dataclass
class BadgesRuntime:
    key_ring: KeyRing
    csrf_secret: bytes


def build_runtime(settings: Settings, sellers: SellersRuntime) -> BadgesRuntime:
    return BadgesRuntime(key_ring=badge_key_ring(settings),
                         csrf_secret=derived_key(sellers.pseudonym_secret, "csrf"))


class BadgesHost(Protocol):
    @property
    def badges(self) -> Component[BadgesRuntime]: ...


async def _runtime_dep(request: Request) -> BadgesRuntime:
    host: BadgesHost = request.app.state.trust
    return host.badges.get()


BadgesDep = Annotated[BadgesRuntime, Depends(_runtime_dep)]
