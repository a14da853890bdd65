"""Listing photos made in code from the demo catalog's drawn product shots (the demo data's
own builders): a collage with a catalog photo in one tile, an app screenshot around one."""

from __future__ import annotations

from service.catalog.demo import product_photo
from service.listings.demo import collage, screenshot

__all__ = ["collage", "photo", "screenshot"]


def photo(seed: int) -> bytes:
    return product_photo(seed)
