"""The webhooks domain's start-up: the seal key checked (refused when missing or weak in
prod) and, where enabled, the delivery retry loop started."""

from __future__ import annotations

from dataclasses import dataclass

from service.core.state import CoreState
from service.webhooks.delivery import Dispatcher
from service.webhooks.sealing import seal_key


@dataclass
class WebhooksRuntime:
    dispatcher: Dispatcher | None  # None: this process sends no deliveries

    def close(self) -> None:
        if self.dispatcher is not None:
            self.dispatcher.stop()


def build_runtime(state: CoreState, dispatch: bool) -> WebhooksRuntime:
    """`dispatch`: this process runs the retry loop (app processes, where enabled)."""
    seal_key(state.settings)
    dispatcher = None
    if dispatch and state.settings.webhook_dispatcher_enabled:
        dispatcher = Dispatcher(state.session_factory, state.settings)
        dispatcher.start()
    return WebhooksRuntime(dispatcher)
