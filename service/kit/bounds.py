"""Bounds for every number a request carries, in one place.

Ids are 64-bit on both databases (BigInteger columns): an id outside 1..2^63-1 can name no
row, so it is refused as invalid input before it reaches the database, where it would
overflow the driver. Counts, offsets and ages get bounds that keep arithmetic on them
(timedelta, OFFSET) in range.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Path, Query
from pydantic import Field

from service.kit.errors import Unprocessable

MAX_ID = 2**63 - 1
MAX_OFFSET = 1_000_000  # deeper pages are what filters and cursors are for
MAX_AGE_MINUTES = 10 * 365 * 24 * 60.0  # ten years: older than anything stored
MAX_PAGE = 10_000  # page sizes are clamped to a setting below this; larger is a mistake

Id64 = Annotated[int, Field(ge=1, le=MAX_ID)]
PathId = Annotated[int, Path(ge=1, le=MAX_ID, description="a positive 64-bit id")]
QueryId = Annotated[int, Query(ge=1, le=MAX_ID, description="a positive 64-bit id")]
AfterId = Annotated[int, Query(ge=0, le=MAX_ID, description="the `next_after_id` of the "
                                                            "previous page")]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET)]
PageSize = Annotated[int, Query(ge=1, le=MAX_PAGE)]
AgeMinutes = Annotated[float, Query(ge=0, le=MAX_AGE_MINUTES, allow_inf_nan=False)]

_CURSOR = re.compile(r"[0-9]{1,19}")
CURSOR_PATTERN = f"^{_CURSOR.pattern}$"
Cursor = Annotated[str, Query(pattern=CURSOR_PATTERN, max_length=19,
                              description="the `next_cursor` of the previous page")]


def parse_cursor(cursor: str) -> int:
    """The id a `next_cursor` carries; 422 `bad_cursor` for anything no page returned."""
    if not _CURSOR.fullmatch(cursor) or int(cursor) > MAX_ID:
        raise Unprocessable("cursor must be a value returned as next_cursor", code="bad_cursor")
    return int(cursor)
