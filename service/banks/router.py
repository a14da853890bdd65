from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from service.auth.deps import AuthFirstRoute, CurrentPlatform
from service.banks import interchange, service
from service.banks.schemas import (
    BANK_NAME_PATTERN,
    BankList,
    BankOut,
    ImportOut,
    SharingIn,
    SubscriptionIn,
)
from service.core.deps import SessionDep, StateDep
from service.kit.db import utcnow
from service.kit.errors import PayloadTooLarge
from service.kit.openapi import errors

router = APIRouter(prefix="/v1/banks", tags=["banks"], route_class=AuthFirstRoute)
BankName = Annotated[str, Path(pattern=BANK_NAME_PATTERN, max_length=100,
                               description="a platform's id (its own bank) or an imported "
                                           "list's name")]
MAX_IMPORT_BYTES = 64 * 1024 * 1024  # ~400k signals with this service's metadata
LIST_MEDIA = "text/csv"
_LIST_BODY = {"requestBody": {"required": True, "content": {
    LIST_MEDIA: {"schema": {"type": "string", "format": "binary"}},
    "text/plain": {"schema": {"type": "string", "format": "binary"}}},
    "description": "a hash list: ThreatExchange CLI CSV (what export writes), local-file "
                   "lines, PDQ hasher output or an HMA .te file (models/banks/exchange.py)"}}


@router.get("", response_model=BankList)
def list_banks(principal: CurrentPlatform, session: SessionDep) -> BankList:
    """The banks this key sees: a platform's own, the shared ones and those it subscribes to
    (an admin sees every bank)."""
    return BankList(banks=service.list_banks(session, principal))


@router.put("/{bank}/sharing", response_model=BankOut, responses=errors(403, 404))
def set_sharing(bank: BankName, body: SharingIn, principal: CurrentPlatform,
                session: SessionDep) -> BankOut:
    """Opt in (or out): other platforms may subscribe to this bank and see its hashes and
    decision metadata (never buyer data, seller ids or listing ids). Its own platform or an
    admin."""
    return service.set_sharing(session, bank, body.shared, principal)


@router.put("/{bank}/subscription", response_model=BankOut, responses=errors(403, 404, 409))
def subscribe(bank: BankName, body: SubscriptionIn, principal: CurrentPlatform,
              session: SessionDep) -> BankOut:
    """`{"subscribed": true}`: this platform's listings are looked up in that shared bank
    too (a platform key); false stops it."""
    return service.subscribe(session, bank, principal, body.subscribed)


@router.get("/{bank}/export", response_class=Response, responses={
    200: {"content": {LIST_MEDIA: {"schema": {"type": "string"}}},
          "description": "the bank's live entries as a ThreatExchange CLI CSV hash list, "
                         "sorted: the same bank always exports the same bytes"},
    **errors(403, 404)})
def export(bank: BankName, principal: CurrentPlatform, session: SessionDep,
           signal_type: Literal["pdq", "phash"] = Query(
               "pdq", description="which hashes: PDQ (256 bits) or pHash (64 bits)")) -> Response:
    """The bank as a hash list (an admin: any bank; a platform key: its own)."""
    data = interchange.export_bank(session, bank, signal_type, principal)
    return Response(data, media_type=LIST_MEDIA, headers={
        "Content-Disposition": f'attachment; filename="{bank}.{signal_type}.csv"'})


@router.post("/{bank}/import", response_model=ImportOut, openapi_extra=_LIST_BODY,
             responses=errors(403, 404, 409, 413))
async def import_list(bank: BankName, request: Request, principal: CurrentPlatform,
                      state: StateDep) -> ImportOut:
    """Banks every hash of the list (an admin: into any bank, creating an imported list; a
    platform key: into its own bank). All or nothing: a list that cannot be read is refused
    with the line at fault and banks nothing."""
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > MAX_IMPORT_BYTES:
            raise PayloadTooLarge(f"a hash list is at most {MAX_IMPORT_BYTES} bytes",
                                  code="list_too_large")

    def work() -> ImportOut:
        with state.session_factory() as session:
            return interchange.import_bank(session, bank, bytes(data), principal, utcnow())

    return await run_in_threadpool(work)
