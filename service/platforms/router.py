from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from service.auth.deps import AuthFirstRoute, CurrentAdmin
from service.core.deps import SessionDep, StateDep
from service.platforms import service
from service.platforms.schemas import PLATFORM_ID_PATTERN, ThresholdsIn, ThresholdsOut

router = APIRouter(prefix="/v1/admin/platforms", tags=["admin"], route_class=AuthFirstRoute)
PlatformId = Annotated[str, Path(pattern=PLATFORM_ID_PATTERN, max_length=100)]


@router.get("/{platform_id}/thresholds", response_model=ThresholdsOut)
def get_thresholds(platform_id: PlatformId, _: CurrentAdmin, session: SessionDep,
                   state: StateDep) -> ThresholdsOut:
    """The thresholds the platform's listings are scored with, where they come from, and
    their latest changes."""
    return service.describe(session, state.settings, platform_id)


@router.put("/{platform_id}/thresholds", response_model=ThresholdsOut)
def put_thresholds(platform_id: PlatformId, body: ThresholdsIn, admin: CurrentAdmin,
                   session: SessionDep, state: StateDep) -> ThresholdsOut:
    """Sets the platform's thresholds (0 <= review < block <= 1); every app process scores
    with them from the next request on (within a few seconds without Redis). Audited."""
    return service.set_thresholds(session, state.cache, state.settings, platform_id, body,
                                  admin.key_id, admin.name)


@router.delete("/{platform_id}/thresholds", response_model=ThresholdsOut)
def reset_thresholds(platform_id: PlatformId, admin: CurrentAdmin, session: SessionDep,
                     state: StateDep) -> ThresholdsOut:
    """Back to TRUST_PLATFORM_RISK_THRESHOLDS or the defaults. Audited."""
    return service.reset_thresholds(session, state.cache, state.settings, platform_id,
                                    admin.key_id, admin.name)
