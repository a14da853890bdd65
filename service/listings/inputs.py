"""Reading a listing to score from JSON (base64 images) or multipart (files + form fields)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from service.errors import PayloadTooLarge, Unprocessable, UnsupportedMediaType
from service.image_inputs import check_count, decode_base64_image
from service.listings.schemas import ListingFields


def parse_fields(data: dict[str, Any]) -> ListingFields:
    try:
        return ListingFields.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise Unprocessable(f"{where}: {first.get('msg', 'invalid')}", code="invalid_input",
                            field=where) from exc


def images_from_json(items: Any, max_images: int, max_bytes: int) -> list[bytes]:
    if not isinstance(items, list):
        raise Unprocessable("expected an \"images\" list of {\"data\": \"<base64>\"}",
                            code="invalid_input")
    check_count(len(items), max_images)
    blobs = []
    for index, item in enumerate(items):
        if not isinstance(item, dict) or "data" not in item:
            raise Unprocessable(f"images[{index}] must be an object with a \"data\" field",
                                code="invalid_input", index=index)
        blobs.append(decode_base64_image(item["data"], index, max_bytes))
    return blobs


async def read_listing(request: Request, max_images: int,
                       max_bytes: int) -> tuple[ListingFields, list[bytes]]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json":
        try:
            payload = json.loads(await request.body())
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise Unprocessable("the body is not valid JSON", code="invalid_json") from exc
        if not isinstance(payload, dict):
            raise Unprocessable("expected a JSON object", code="invalid_input")
        return parse_fields(payload), images_from_json(payload.get("images"), max_images,
                                                       max_bytes)
    if content_type == "multipart/form-data":
        form = await request.form(max_files=max_images + 1, max_fields=20)
        fields: dict[str, Any] = {}
        blobs: list[bytes] = []
        for name, value in form.multi_items():
            if isinstance(value, UploadFile):
                data = await value.read(max_bytes + 1)
                if len(data) > max_bytes:
                    raise PayloadTooLarge(f"images[{len(blobs)}]: larger than {max_bytes} bytes",
                                          code="image_too_large", index=len(blobs))
                blobs.append(data)
            elif value != "":
                fields[name] = value
        check_count(len(blobs), max_images)
        return parse_fields(fields), blobs
    raise UnsupportedMediaType("send the listing as application/json or multipart/form-data",
                               code="unsupported_content_type")
