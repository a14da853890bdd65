from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from service.auth.deps import AuthFirstRoute, CurrentPlatform
from service.auth.service import Principal
from service.core.deps import SessionDep, StateDep
from service.kit.bounds import PathId
from service.kit.errors import Forbidden
from service.kit.openapi import errors
from service.webhooks import service
from service.webhooks.schemas import (
    AttemptOut,
    DeliveryList,
    DeliveryOut,
    EndpointCreated,
    EndpointIn,
    EndpointList,
    EndpointOut,
)

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"], route_class=AuthFirstRoute)


def platform_of(principal: Principal) -> str:
    if principal.platform_id is None:
        raise Forbidden("webhooks belong to a platform: use a platform key")
    return principal.platform_id


@router.post("", status_code=status.HTTP_201_CREATED, response_model=EndpointCreated)
def register(body: EndpointIn, principal: CurrentPlatform, session: SessionDep,
             state: StateDep) -> EndpointCreated:
    endpoint, secret = service.register_endpoint(session, platform_of(principal), body.url,
                                                 state.settings)
    return EndpointCreated(**EndpointOut.model_validate(endpoint).model_dump(), secret=secret)


@router.get("", response_model=EndpointList)
def list_endpoints(principal: CurrentPlatform, session: SessionDep) -> EndpointList:
    rows = service.list_endpoints(session, platform_of(principal))
    return EndpointList(items=[EndpointOut.model_validate(r) for r in rows])


@router.delete("/{endpoint_id}", status_code=status.HTTP_204_NO_CONTENT, responses=errors(404))
def delete_endpoint(endpoint_id: PathId, principal: CurrentPlatform, session: SessionDep) -> Response:
    service.deactivate_endpoint(session, platform_of(principal), endpoint_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/deliveries", response_model=DeliveryList)
def deliveries(
    principal: CurrentPlatform,
    session: SessionDep,
    event_id: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> DeliveryList:
    rows = service.list_deliveries(session, platform_of(principal), limit, event_id)
    return DeliveryList(items=[
        DeliveryOut(**DeliveryOut.model_validate(d).model_dump(exclude={"attempt_log"}),
                    attempt_log=[AttemptOut.model_validate(a) for a in attempts])
        for d, attempts in rows
    ])
