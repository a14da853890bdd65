"""Whether a listing's keypoint stage runs inside the scoring request.

`POST /v1/listings/score` answers with the hash stage and leaves photos it did not match to a
deep check (the keypoint stage, later), because the keypoint stage costs tens to hundreds of
milliseconds a photo: 9 photos would take the request far past its latency target (p50 150
ms). When only a few photos are left and the stage is cheap on this catalog, running it in
the request costs less than a deep check's round trip and gives the caller a final answer
at once. `LocalStageCost` keeps a moving average of what the stage has cost a photo in this
process (inline runs and `wait=deep`) and says whether the photos left
fit the budget (`listing_inline_local_budget_ms`); it starts from a prior measured on this
machine (models/thresholds.py) and follows the catalog as it grows.
"""

from __future__ import annotations

import threading

from models.thresholds import LISTING_LOCAL_MS_PER_PHOTO_PRIOR

SMOOTHING = 0.2  # weight of the newest observation in the moving average


class LocalStageCost:
    """Moving average of the keypoint stage's milliseconds a photo, thread-safe."""

    def __init__(self, prior_ms: float = LISTING_LOCAL_MS_PER_PHOTO_PRIOR) -> None:
        self._ms = float(prior_ms)
        self._lock = threading.Lock()

    @property
    def ms_per_photo(self) -> float:
        return self._ms

    def observe(self, elapsed_ms: float, photos: int) -> None:
        if photos <= 0 or elapsed_ms < 0:
            return
        with self._lock:
            self._ms += SMOOTHING * (elapsed_ms / photos - self._ms)

    def fits(self, photos: int, budget_ms: float) -> bool:
        """Whether ``photos`` photos are expected to take at most ``budget_ms`` (none fit a
        budget of 0: the stage then always waits for a deep check)."""
        return photos > 0 and budget_ms > 0 and photos * self._ms <= budget_ms
