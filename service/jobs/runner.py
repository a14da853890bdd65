"""The function RQ workers run. Each worker process builds its own app state once."""

from __future__ import annotations

import threading

from service.app import build_state, run_startup_steps
from service.jobs.service import process_job
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
    return process_job(worker_state(), job_id).status
