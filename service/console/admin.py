"""Senior and admin pages: the audit log (filters, CSV), appeals, bulk decisions, and the
accounts admins manage."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Form, Query, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse

from service.console import people, repository
from service.console.runtime import ConsoleDep
from service.console.schemas import AccountForm, AuditQuery, BulkForm
from service.console.web import HEADERS, Acting, AdminViewer, SeniorViewer, render
from service.core.deps import SessionDep, StateDep
from service.kit.db import utcnow
from service.kit.errors import DomainError, Forbidden
from service.review import repository as review_repo
from service.review import service as review
from service.webhooks.delivery import deliver_due

router = APIRouter(prefix="/console", include_in_schema=False)
AUDIT_PAGE = 100
CSV_COLUMNS = ("id", "created_at", "item_id", "platform_id", "listing_id", "actor_name",
               "action", "decision", "reason_codes", "note")


def _audit_rows(session: SessionDep, query: AuditQuery, platform: str | None, limit: int,
                after: int | None) -> list[review_repo.ReviewAudit]:
    since, until = query.bounds()
    return review_repo.audit_page(session, limit, after, query.item, query.person or None,
                                  query.action, platform_id=platform, since=since,
                                  until=until)


@router.get("/audit")
def audit_page(viewer: SeniorViewer, runtime: ConsoleDep, session: SessionDep,
               query: Annotated[AuditQuery, Query()]) -> Response:
    rows = _audit_rows(session, query, viewer.person.platform_id, AUDIT_PAGE + 1, query.after)
    more = len(rows) > AUDIT_PAGE
    rows = rows[:AUDIT_PAGE]
    return render(runtime, "audit.html", viewer.lang, viewer, {
        "rows": rows, "query": query,
        "next_after": rows[-1].id if more and rows else None})


@router.get("/audit.csv")
def audit_csv(viewer: SeniorViewer, state: StateDep,
              query: Annotated[AuditQuery, Query()]) -> StreamingResponse:
    platform = viewer.person.platform_id

    def lines() -> Iterator[str]:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(CSV_COLUMNS)
        after = query.after
        with state.session_factory() as session:
            while True:
                rows = _audit_rows(session, query, platform, 1000, after)
                for r in rows:
                    writer.writerow((r.id, r.created_at.isoformat(), r.item_id,
                                     _cell(r.platform_id), _cell(r.listing_id),
                                     _cell(r.actor_name), r.action, r.decision or "",
                                     " ".join(r.reason_codes or []), _cell(r.note or "")))
                yield out.getvalue()
                out.seek(0)
                out.truncate()
                if len(rows) < 1000:
                    return
                after = rows[-1].id

    return StreamingResponse(lines(), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": 'attachment; filename="audit.csv"', "Cache-Control": "no-store"})


def _cell(text: str) -> str:
    """Text from platforms and people, made inert for spreadsheets (no formulas)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@router.get("/appeals")
def appeals_page(viewer: SeniorViewer, runtime: ConsoleDep, session: SessionDep) -> Response:
    items = review_repo.appealed_items(session, viewer.person.platform_id, 200)
    latest = {}
    for item in items:
        rows = review_repo.audit_page(session, 200, None, item.id, None, "appeal")
        latest[item.id] = rows[-1] if rows else None
    return render(runtime, "appeals.html", viewer.lang, viewer,
                  {"items": items, "appeal_of": latest})


@router.post("/bulk")
def bulk_decide(request: Request, viewer: Acting, state: StateDep, tasks: BackgroundTasks,
                form: Annotated[BulkForm, Form()]) -> Response:
    """Claims and decides each selected item in its own transaction; items another moderator
    holds, or that left the queue, are counted as refused and stay as they are."""
    actor, done, refused = viewer.person.actor, 0, 0
    for item_id in dict.fromkeys(form.items):
        with state.session_factory() as session:
            try:
                item = review_repo.get_item(session, item_id)
                if item is None or (viewer.person.platform_id
                                    and item.platform_id != viewer.person.platform_id):
                    refused += 1
                    continue
                review.claim(session, item_id, actor, utcnow(),
                             state.settings.review_lease_seconds)
                review.decide(session, item_id, actor, form.decision, [form.reason], None,
                              utcnow(), state.cache)
                done += 1
            except DomainError:
                session.rollback()
                refused += 1
    tasks.add_task(deliver_due, state.session_factory, state.settings)
    return RedirectResponse(f"/console/queue?bulk_done={done}&bulk_refused={refused}",
                            status_code=303, headers=HEADERS)


@router.get("/accounts")
def accounts_page(viewer: AdminViewer, runtime: ConsoleDep, session: SessionDep,
                  error: str | None = None, created: str | None = None) -> Response:
    return render(runtime, "accounts.html", viewer.lang, viewer, {
        "people": repository.list_people(session), "error": error, "created": created})


@router.post("/accounts")
def create_account(viewer: Acting, runtime: ConsoleDep, session: SessionDep,
                   form: Annotated[AccountForm, Form()]) -> Response:
    if not viewer.person.admin:
        raise Forbidden("this page is for admins", code="admin_only")
    try:
        people.create_person(session, form.username.strip(), form.role, form.password,
                             form.platform)
    except DomainError as exc:  # shown on the form, with the status it carries
        session.rollback()
        return render(runtime, "accounts.html", viewer.lang, viewer, {
            "people": repository.list_people(session), "error": exc.code, "created": None},
            status=exc.status_code)
    session.commit()
    return RedirectResponse(f"/console/accounts?created={form.username.strip()}",
                            status_code=303, headers=HEADERS)


@router.post("/accounts/{person_id}/disable")
def disable_account(person_id: int, viewer: Acting, session: SessionDep) -> Response:
    if not viewer.person.admin:
        raise Forbidden("this page is for admins", code="admin_only")
    if person_id == viewer.person.id:
        raise Forbidden("an admin cannot disable their own account", code="own_account")
    people.disable_person(session, person_id, utcnow())
    session.commit()
    return RedirectResponse("/console/accounts", status_code=303, headers=HEADERS)

