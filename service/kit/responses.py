"""A JSON response rendered by orjson, for bodies that are already plain JSON data (the
listing scorer's answers are built from validated models, or stored from them)."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi.responses import JSONResponse


class PlainJSONResponse(JSONResponse):
    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)
