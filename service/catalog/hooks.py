"""Extension point: other domains attach work to catalog image changes.

Hooks run inside the catalog's transaction, so whatever they write (e.g. the matching
domain's hashes) is committed together with the image or not at all.
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.orm import Session

from service.catalog.tables import CatalogImage
from service.imaging import DecodedImage
from service.matching.service import MatchingCatalogHook


class CatalogImageHook(Protocol):
    def images_added(self, session: Session, added: list[tuple[CatalogImage, DecodedImage]]) -> None:
        ...

    def images_removed(self, session: Session, images: list[CatalogImage]) -> None: ...


CATALOG_IMAGE_HOOKS: list[CatalogImageHook] = [
    # --- domain hooks are added below this line ---
    MatchingCatalogHook(),  # issue 3
]
