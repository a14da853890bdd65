"""The application state: the shared core plus one typed component per domain runtime, in
the order they are built at start-up (service/app/lifespan.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from service.badges.runtime import BadgesHost, BadgesRuntime
from service.banks.runtime import BankRuntime, BanksHost
from service.captions.runtime import CaptionRuntime, CaptionsHost
from service.console.runtime import ConsoleHost, ConsoleRuntime
from service.core.state import Component, CoreState
from service.jobs.backends import JobRunner, JobsHost
from service.listings.deep_runner import DeepCheckRunner, DeepChecksHost
from service.listings.runtime import ListingsHost, ListingsRuntime
from service.matching.runtime import MatchIndex, MatchingHost
from service.networks.runtime import PhotoGroupIndex
from service.sellers.runtime import SellersHost, SellersRuntime
from service.webhooks.runtime import WebhooksRuntime


@dataclass
class AppState(CoreState):
    sellers: Component[SellersRuntime] = field(
        default_factory=lambda: Component("sellers", "sellers runtime"))
    badges: Component[BadgesRuntime] = field(
        default_factory=lambda: Component("badges", "badge keys"))
    matching: Component[MatchIndex] = field(
        default_factory=lambda: Component("matching", "image index"))
    banks: Component[BankRuntime] = field(
        default_factory=lambda: Component("banks", "known-counterfeit bank index"))
    networks: Component[PhotoGroupIndex] = field(
        default_factory=lambda: Component("networks", "photo group index"))
    captions: Component[CaptionRuntime] = field(
        default_factory=lambda: Component("captions", "caption model"))
    webhooks: Component[WebhooksRuntime] = field(
        default_factory=lambda: Component("webhooks", "webhook delivery"))
    listings: Component[ListingsRuntime] = field(
        default_factory=lambda: Component("listings", "listing scorer"))
    deep_checks: Component[DeepCheckRunner] = field(
        default_factory=lambda: Component("deep_checks", "deep-check runner"))
    jobs: Component[JobRunner] = field(
        default_factory=lambda: Component("jobs", "batch-job runner"))
    console: Component[ConsoleRuntime] = field(
        default_factory=lambda: Component("console", "moderator console"))

    def components(self) -> tuple[Component[Any], ...]:
        return (self.sellers, self.badges, self.matching, self.banks, self.networks,
                self.captions, self.webhooks,
                self.listings, self.deep_checks, self.jobs, self.console)


def _serves_every_domain(state: AppState) -> tuple[
        SellersHost, BadgesHost, MatchingHost, CaptionsHost, ListingsHost, DeepChecksHost,
        JobsHost, ConsoleHost, BanksHost]:
    """Never called: mypy checks here that AppState has the field each domain's dependency
    reads from the request's app state."""
    return state, state, state, state, state, state, state, state, state
