"""The listing scorer's runtime: the risk model, the photo matcher, the caption model's slot
and the review queue, built at start-up into the app's `listings` component."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Annotated, Protocol

from fastapi import Depends, Request
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from models.hashing.matcher import HashSet
from models.risk import RiskModel, RiskThresholds, load_model
from service.captions.runtime import CaptionRuntime
from service.core.state import Component
from service.kit.settings import Settings
from service.listings.inline import LocalStageCost
from service.listings.photos import PhotoMatcher
from service.listings.schemas import BankMatchOut
from service.listings.tables import Listing, ListingAssessment
from service.networks.runtime import PhotoGroupIndex
from service.platforms.service import env_thresholds


@lru_cache(maxsize=1)
def shared_risk_model() -> RiskModel:
    """One per process: the model is immutable, so every app in the process shares it."""
    return load_model()


class ReviewQueue(Protocol):
    """Where flagged assessments go: the review domain implements it. Listings never import
    review (review reads listings), so the queue is handed in when the app is built."""

    def enqueue(self, session: Session, listing: Listing, assessment: ListingAssessment,
                now: dt.datetime) -> int | None:
        """The open review item's id after this assessment, None when nothing is queued."""
        ...

    def item_id(self, connection: Session | Connection, listing_pk: int) -> int | None: ...


class BankLookup(Protocol):
    """Known-counterfeit bank lookup of a listing's photos: the banks domain implements it
    (banks read listings, so listings never import banks)."""

    def lookup(self, session: Session, platform_id: str,
               regions: dict[int, list[HashSet]]) -> list[BankMatchOut]:
        """photo index -> the hash stage's region hashes, to the photos' bank matches."""
        ...


@dataclass
class ListingsRuntime:
    risk_model: RiskModel
    matcher: PhotoMatcher
    # The slot, not the model: a listing is still scored (and says so) while the caption
    # model loads or after it failed to.
    captions: Component[CaptionRuntime]
    review: ReviewQueue
    # where a listing photo's near-identical photo groups are found (service/networks)
    networks: Component[PhotoGroupIndex]
    # what the keypoint stage costs a photo here: whether it fits inside a request
    local_cost: LocalStageCost = field(default_factory=LocalStageCost)
    banks: BankLookup | None = None  # None: no bank lookup (a scorer built without banks)


def thresholds_for(settings: Settings, platform_id: str) -> RiskThresholds:
    """The environment's thresholds; what scoring uses is `service.platforms.service.effective`
    (an admin's stored thresholds win over these)."""
    return env_thresholds(settings, platform_id)


class ListingsHost(Protocol):
    @property
    def listings(self) -> Component[ListingsRuntime]: ...


async def _runtime_dep(request: Request) -> ListingsRuntime:
    host: ListingsHost = request.app.state.trust
    return host.listings.get()


ListingsDep = Annotated[ListingsRuntime, Depends(_runtime_dep)]
