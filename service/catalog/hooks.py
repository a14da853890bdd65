"""Extension point: other domains attach work to catalog image changes.

Hooks run inside the catalog's transaction, so whatever they write (e.g. the matching
domain's hashes) is committed together with the image or not at all. The catalog never
names the domains that listen: the application registers them (service/app/wiring.py).
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.orm import Session

from service.catalog.tables import CatalogImage
from service.images.gate import DecodedImage


class CatalogImageHook(Protocol):
    def images_added(self, session: Session, added: list[tuple[CatalogImage, DecodedImage]]) -> None:
        ...

    def images_removed(self, session: Session, images: list[CatalogImage]) -> None: ...


CATALOG_IMAGE_HOOKS: list[CatalogImageHook] = []


def register(hook: CatalogImageHook) -> None:
    """Adds `hook` once (by type): wiring may run more than once in a process."""
    if not any(type(h) is type(hook) for h in CATALOG_IMAGE_HOOKS):
        CATALOG_IMAGE_HOOKS.append(hook)
