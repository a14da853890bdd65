"""The console's long-lived objects, built once per app at start-up into its `console`
component: the templates, the compiled message catalogs and the sign-in rate limits."""

from __future__ import annotations

import gettext
from dataclasses import dataclass
from typing import Annotated, Protocol

import jinja2
from fastapi import Depends, Request

from service.console.evidence import BoxMemo
from service.console.i18n import load_catalogs
from service.console.service import CountsMemo
from service.core.state import Component
from service.kit.settings import Settings
from service.sellers.ratelimit import RateLimits


@dataclass
class ConsoleRuntime:
    templates: jinja2.Environment
    catalogs: dict[str, gettext.GNUTranslations]
    limits: RateLimits
    boxes: BoxMemo  # matched regions already located, by photo and match
    break_minutes: int  # wellness: the session-length reminder
    counts: CountsMemo
    network_cap: int  # networks: sellers above which a photo or caption is common


def build_runtime(settings: Settings) -> ConsoleRuntime:
    templates = jinja2.Environment(
        loader=jinja2.PackageLoader("service.console", "templates"),
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True,
        lstrip_blocks=True, extensions=["jinja2.ext.i18n"])
    return ConsoleRuntime(templates=templates, catalogs=load_catalogs(),
                          limits=RateLimits(settings.redis_url), boxes=BoxMemo(),
                          break_minutes=settings.console_break_minutes, counts=CountsMemo(),
                          network_cap=settings.network_rare_max_sellers)


class ConsoleHost(Protocol):
    @property
    def console(self) -> Component[ConsoleRuntime]: ...


async def _runtime_dep(request: Request) -> ConsoleRuntime:
    host: ConsoleHost = request.app.state.trust
    return host.console.get()


ConsoleDep = Annotated[ConsoleRuntime, Depends(_runtime_dep)]
