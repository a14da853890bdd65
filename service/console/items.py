"""The item page and what is done on it: claim, renew, release, decide ("Submit and next"
swaps the next item in with htmx), and the photos, served only to signed-in people."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Form, Request
from fastapi.responses import RedirectResponse, Response

from service.catalog import service as catalog
from service.console import service
from service.console.runtime import ConsoleDep, ConsoleRuntime
from service.console.schemas import DecisionForm, QueueQuery
from service.console.web import HEADERS, Acting, SignedIn, Viewer, render
from service.core.deps import SessionDep, StateDep
from service.kit.db import utcnow
from service.kit.errors import NotFound
from service.review import service as review
from service.webhooks.delivery import deliver_due

router = APIRouter(prefix="/console", include_in_schema=False)
IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}
PHOTO_HEADERS = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff",
                 "Content-Security-Policy": "default-src 'none'"}


def _is_htmx(request: Request) -> bool:
    """An htmx swap wants the item's <main> alone; a history restore (back button) wants the
    whole page, as a first visit does."""
    return (request.headers.get("hx-request") == "true"
            and request.headers.get("hx-history-restore-request") != "true")


def _item_page(request: Request, runtime: ConsoleRuntime, viewer: Viewer, session: SessionDep,
               item_id: int) -> Response:
    item = service.visible_item(session, item_id, viewer.person)
    view = service.item_view(session, item, viewer.person, runtime.boxes, utcnow(),
                             runtime.network_cap)
    template = "_item.html" if _is_htmx(request) else "item.html"
    next_queue = item.queue if viewer.person.senior else "standard"
    return render(runtime, template, viewer.lang, viewer,
                  {"view": view, "next_queue": next_queue},
                  headers={"HX-Push-Url": f"/console/items/{item_id}"}
                  if _is_htmx(request) else None)


@router.get("/items/{item_id}")
def item_page(item_id: int, request: Request, viewer: SignedIn, runtime: ConsoleDep,
              session: SessionDep) -> Response:
    try:
        return _item_page(request, runtime, viewer, session, item_id)
    except NotFound as exc:  # a page for people; htmx and scripts get the JSON error
        if _is_htmx(request):
            raise
        return render(runtime, "error.html", viewer.lang, viewer, {"code": exc.code},
                      status=exc.status_code)


def _after_action(request: Request, runtime: ConsoleRuntime, viewer: Viewer,
                  session: SessionDep, item_id: int) -> Response:
    if _is_htmx(request):
        return _item_page(request, runtime, viewer, session, item_id)
    return RedirectResponse(f"/console/items/{item_id}", status_code=303, headers=HEADERS)


@router.post("/items/{item_id}/claim")
def claim(item_id: int, request: Request, viewer: Acting, runtime: ConsoleDep,
          session: SessionDep, state: StateDep) -> Response:
    """Claims the item, or renews the lease its holder already has."""
    service.visible_item(session, item_id, viewer.person)
    review.claim(session, item_id, viewer.person.actor, utcnow(),
                 state.settings.review_lease_seconds)
    return _after_action(request, runtime, viewer, session, item_id)


@router.post("/items/{item_id}/release")
def release(item_id: int, request: Request, viewer: Acting, runtime: ConsoleDep,
            session: SessionDep) -> Response:
    service.visible_item(session, item_id, viewer.person)
    review.release(session, item_id, viewer.person.actor, utcnow())
    return _after_action(request, runtime, viewer, session, item_id)


@router.post("/items/{item_id}/decide")
def decide(item_id: int, request: Request, viewer: Acting, runtime: ConsoleDep,
           session: SessionDep, state: StateDep, tasks: BackgroundTasks,
           form: Annotated[DecisionForm, Form()]) -> Response:
    """Decides, then claims the next item in the same queue and shows it (Submit and next)."""
    service.visible_item(session, item_id, viewer.person)
    review.decide(session, item_id, viewer.person.actor, form.decision, [form.reason],
                  form.note or None, utcnow(), state.cache)
    tasks.add_task(deliver_due, state.session_factory, state.settings)
    queue = form.queue if viewer.person.senior else "standard"
    following = review.claim_next(
        session, service.queue_filter(QueueQuery(queue=queue), viewer.person, False),
        viewer.person.actor, utcnow(), state.settings.review_lease_seconds)
    if following is None:
        if _is_htmx(request):
            return Response(status_code=204, headers={
                **HEADERS, "HX-Redirect": f"/console/queue?queue={queue}&empty=1"})
        return RedirectResponse(f"/console/queue?queue={queue}&empty=1", status_code=303,
                                headers=HEADERS)
    return _after_action(request, runtime, viewer, session, following.id)


@router.get("/items/{item_id}/check")
def deep_check_landed(item_id: int, assessment: int, viewer: SignedIn,
                      session: SessionDep) -> Response:
    """Polled by a page showing a pending deep check: 204 while it is pending, else htmx is
    told to reload the page, which then shows the new result."""
    item = service.visible_item(session, item_id, viewer.person)
    if item.assessment_id == assessment and service.image_check_of(session, item) == "pending":
        return Response(status_code=204, headers=HEADERS)
    return Response(status_code=200, headers={**HEADERS, "HX-Refresh": "true"})


@router.get("/items/{item_id}/photos/{index}")
def listing_photo(item_id: int, index: int, viewer: SignedIn, session: SessionDep) -> Response:
    item = service.visible_item(session, item_id, viewer.person)
    data = service.photo_bytes(session, item, index)
    return Response(data, media_type=_sniff(data), headers=PHOTO_HEADERS)


@router.get("/catalog-images/{image_id}")
def catalog_photo(image_id: int, viewer: SignedIn, session: SessionDep) -> Response:
    image = catalog.get_image(session, image_id)
    return Response(image.data, media_type=IMAGE_TYPES.get(image.format, "image/jpeg"),
                    headers=PHOTO_HEADERS)


def _sniff(data: bytes) -> str:
    if data.startswith(b"\xff\xd8"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG"):
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[:3] == b"GIF":
        return "image/gif"
    raise NotFound("photo in an unknown format", code="photo_not_found")
