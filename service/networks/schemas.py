from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

Kind = Literal["photo", "caption"]


class LinkedSellerOut(BaseModel):
    """In a listing's answer: another seller of the platform who posted one of this listing's
    rare photos (or its caption) and has confirmed counterfeits."""

    seller_id: str
    kind: Kind
    shared: int = Field(description="how many of this listing's rare photos (or its caption) "
                                    "the two share")
    confirmed_counterfeits: int
    listing_id: str | None = Field(default=None,
                                   description="a listing of the linked seller that shares it")


class EvidenceOut(BaseModel):
    kind: Kind
    listing_id: str = Field(description="the seller's listing")
    other_listing_id: str = Field(description="the linked seller's listing")
    photo_index: int | None = Field(description="the seller's photo (photos only)")
    distance: int = Field(description="photos: PDQ Hamming distance of 256 bits; captions: "
                                      "MinHash slots of 64 that differ")


class NetworkLinkOut(BaseModel):
    seller_id: str
    kinds: list[Kind]
    shared_photos: int
    shared_captions: int
    confirmed_counterfeits: int
    first_seen: dt.datetime
    last_seen: dt.datetime
    evidence: list[EvidenceOut]


class NetworkLimitsOut(BaseModel):
    rare_max_sellers: int = Field(description="a photo or caption posted by more sellers is "
                                              "common and links nobody")
    prints_read: int = Field(description="the seller's most recent prints considered")
    linked_max: int = Field(description="linked sellers listed at most")
    evidence_per_link: int


class NetworkOut(BaseModel):
    seller_id: str
    linked: list[NetworkLinkOut]
    limits: NetworkLimitsOut
