"""Fixtures for the listing risk scorer: the committed artifact and listing builders."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from models.risk import (
    CaptionSignal,
    ImageMatch,
    ListingSignals,
    RiskModel,
    SellerSignal,
    load_model,
)

LIST_PRICE = 12_000.0
OFFICIAL_PHOTO = ImageMatch(
    product_id="vellora-bag-001",
    brand="Vellora",
    confidence=0.95,
    catalog_image_id="cat-img-17",
    list_price=LIST_PRICE,
    list_currency="CNY",
    photo_index=0,
)
# A plain caption without lexicon hits, as a classifier would score ordinary text.
PLAIN_CAPTION = CaptionSignal(probability=0.08)
NEW_SELLER = SellerSignal(score=2 / 3, tier="new", feedback_count=0)


@pytest.fixture(scope="session")
def risk_model() -> RiskModel:
    return load_model()


def official_photo_listing(price_ratio: float, authorized: bool) -> ListingSignals:
    return ListingSignals(
        matches=(OFFICIAL_PHOTO,),
        photos_checked=4,
        caption=PLAIN_CAPTION,
        seller=NEW_SELLER,
        price=round(LIST_PRICE * price_ratio, 2),
        currency="CNY",
        seller_authorized_brands=frozenset({"Vellora"} if authorized else ()),
    )


@pytest.fixture
def make_listing() -> Callable[..., ListingSignals]:
    def build(price_ratio: float = 1.0, authorized: bool = False,
              **changes: Any) -> ListingSignals:
        return replace(official_photo_listing(price_ratio, authorized), **changes)
    return build
