"""Connections between domains that the lower domain must not name itself."""

from __future__ import annotations

from service.banks.service import BankDecisionHook
from service.catalog import hooks as catalog_hooks
from service.matching.service import MatchingCatalogHook
from service.review import hooks as review_hooks


def wire_domains() -> None:
    """Idempotent; runs when the application package is imported, before any entry point
    (app, CLI, worker) touches the catalog or decides a review item."""
    catalog_hooks.register(MatchingCatalogHook())
    review_hooks.register(BankDecisionHook())
