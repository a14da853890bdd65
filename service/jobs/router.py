from __future__ import annotations

from fastapi import APIRouter, status
from fastapi.concurrency import run_in_threadpool

from service.auth.deps import AuthFirstRoute, CurrentPlatform
from service.core.deps import StateDep
from service.jobs import service
from service.jobs.backends import JobsDep
from service.jobs.schemas import BatchIn, JobItemOut, JobOut
from service.jobs.tables import BatchJob, BatchJobItem
from service.kit.errors import Unprocessable
from service.kit.openapi import errors
from service.listings.router import platform_of

router = APIRouter(tags=["jobs"], route_class=AuthFirstRoute)


def job_out(job: BatchJob, items: list[BatchJobItem], with_items: bool) -> JobOut:
    by_status = {s: sum(i.status == s for i in items) for s in ("done", "failed", "pending")}
    return JobOut(
        job_id=job.id, status=job.status, backend=job.backend, total=job.total,
        runs=job.runs, created_at=job.created_at, finished_at=job.finished_at, **by_status,
        items=[JobItemOut(position=i.position, listing_id=i.listing_id, status=i.status,
                          result=i.result, error=i.error) for i in items] if with_items else None)


@router.post("/v1/listings/score-batch", status_code=status.HTTP_202_ACCEPTED,
             response_model=JobOut, responses=errors(503))
async def score_batch(body: BatchIn, principal: CurrentPlatform, state: StateDep,
                      runner: JobsDep) -> JobOut:
    platform_id = platform_of(principal)
    if len(body.listings) > state.settings.score_batch_max:
        raise Unprocessable(f"at most {state.settings.score_batch_max} listings per batch",
                            code="batch_too_large")
    job = await run_in_threadpool(service.create_job, state, platform_id, body.listings,
                                  state.settings.background_backend)
    await run_in_threadpool(runner.submit, job)
    return job_out(job, [], False).model_copy(update={"pending": job.total})


@router.get("/v1/jobs/{job_id}", response_model=JobOut, responses=errors(404))
def get_job(job_id: str, principal: CurrentPlatform, state: StateDep,
            items: bool = True) -> JobOut:
    job, rows = service.get_job(state, platform_of(principal), job_id)
    return job_out(job, rows, items)
