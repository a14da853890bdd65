"""The function RQ workers run. Each worker process builds its own app state once."""

from __future__ import annotations

import threading

from service.app import build_state, run_startup_steps
from service.jobs.service import ITEM_HOLD_SECONDS, process_job
from service.listings import deep_check
from service.settings import get_settings
from service.state import AppState

_state: AppState | None = None
_lock = threading.Lock()


def worker_state() -> AppState:
    global _state
    with _lock:
        if _state is None:
            state = build_state(get_settings())
            run_startup_steps(state)  # models (captions...) as the web workers load them
            _state = state
        return _state


def run_queued_job(job_id: str) -> str:
    # A retry after a killed worker waits for the dead runner's item hold to expire.
    return process_job(worker_state(), job_id, wait_for_held=ITEM_HOLD_SECONDS + 30).status


def run_queued_deep_check(check_id: int) -> str | None:
    # A retry after a killed worker waits for the dead runner's hold to expire.
    return deep_check.run_or_wait(worker_state(), check_id, deep_check.HOLD_SECONDS + 30)
