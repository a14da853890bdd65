"""Connections between domains that the lower domain must not name itself."""

from __future__ import annotations

from service.catalog import hooks as catalog_hooks
from service.matching.service import MatchingCatalogHook


def wire_domains() -> None:
    """Idempotent; runs when the application package is imported, before any entry point
    (app, CLI, worker) touches the catalog."""
    catalog_hooks.register(MatchingCatalogHook())
