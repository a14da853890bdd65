"""The seller network: which sellers of the platform post this seller's rare photos and
captions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from service.auth.deps import AuthFirstRoute, CurrentModerator
from service.core.deps import SessionDep, SettingsDep
from service.kit.openapi import errors
from service.networks import service
from service.networks.schemas import NetworkOut
from service.sellers.schemas import SELLER_ID_PATTERN

router = APIRouter(tags=["networks"], route_class=AuthFirstRoute)

SellerId = Annotated[str, Path(pattern=SELLER_ID_PATTERN, max_length=200)]
PlatformId = Annotated[str | None, Query(
    min_length=1, max_length=100,
    description="the seller's platform; needed only when the seller id is known on several")]


@router.get("/v1/sellers/{seller_id}/network", response_model=NetworkOut,
            responses=errors(404))
def get_network(seller_id: SellerId, principal: CurrentModerator, session: SessionDep,
                settings: SettingsDep, platform_id: PlatformId = None) -> NetworkOut:
    """Moderators and admins: the sellers this seller is linked to by rare photos or
    near-identical captions, with the shared evidence. Only sellers of one platform."""
    platform = service.platform_for(session, seller_id, principal.platform_id, platform_id)
    return service.seller_network(session, platform, seller_id,
                                  settings.network_rare_max_sellers)
