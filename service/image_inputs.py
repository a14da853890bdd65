"""Reading image bytes out of a request: multipart files or JSON base64, same limits for both.

This only extracts bytes; service.imaging decides whether they are an acceptable image.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from fastapi import Request
from starlette.datastructures import UploadFile

from service.errors import PayloadTooLarge, Unprocessable, UnsupportedMediaType

_B64_ALPHABET = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_")


def decode_base64_image(value: Any, index: int, max_bytes: int) -> bytes:
    if not isinstance(value, str) or not value:
        raise Unprocessable(f"images[{index}].data must be a non-empty base64 string",
                            code="invalid_base64", index=index)
    if value.startswith("data:"):  # tolerate data URLs: data:image/jpeg;base64,....
        value = value.partition(",")[2]
    compact = "".join(value.split())
    if len(compact) * 3 // 4 > max_bytes + 3:
        raise PayloadTooLarge(f"images[{index}]: larger than the limit of {max_bytes} bytes",
                              code="image_too_large", index=index)
    if not set(compact.encode()) <= _B64_ALPHABET:
        raise Unprocessable(f"images[{index}].data is not valid base64", code="invalid_base64",
                            index=index)
    try:
        if "-" in compact or "_" in compact:
            data = base64.urlsafe_b64decode(compact + "=" * (-len(compact) % 4))
        else:
            data = base64.b64decode(compact + "=" * (-len(compact) % 4), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise Unprocessable(f"images[{index}].data is not valid base64", code="invalid_base64",
                            index=index) from exc
    return data


def check_count(count: int, max_images: int) -> None:
    if count == 0:
        raise Unprocessable("no images: send multipart files, or JSON {\"images\": [{\"data\": "
                            "\"<base64>\"}]}", code="no_images")
    if count > max_images:
        raise Unprocessable(f"{count} images sent; at most {max_images} per request",
                            code="too_many_images")


async def read_upload(upload: UploadFile, index: int, max_bytes: int) -> bytes:
    data = await upload.read(max_bytes + 1)  # one byte more tells "too large" from "at limit"
    if len(data) > max_bytes:
        raise PayloadTooLarge(f"images[{index}]: larger than the limit of {max_bytes} bytes",
                              code="image_too_large", index=index)
    return data


def images_from_json(items: Any, max_images: int, max_bytes: int) -> list[bytes]:
    """The `images` list of a JSON body: [{"data": "<base64>"}, ...]."""
    if not isinstance(items, list):
        raise Unprocessable("expected a JSON object with an \"images\" list",
                            code="invalid_input")
    check_count(len(items), max_images)
    blobs = []
    for index, item in enumerate(items):
        if not isinstance(item, dict) or "data" not in item:
            raise Unprocessable(f"images[{index}] must be an object with a \"data\" field",
                                code="invalid_input", index=index)
        blobs.append(decode_base64_image(item["data"], index, max_bytes))
    return blobs


async def read_json_object(request: Request) -> dict[str, Any]:
    try:
        payload = json.loads(await request.body())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise Unprocessable("the body is not valid JSON", code="invalid_json") from exc
    if not isinstance(payload, dict):
        raise Unprocessable("expected a JSON object", code="invalid_input")
    return payload


def content_type_of(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def read_images(request: Request, max_images: int, max_bytes: int) -> list[bytes]:
    content_type = content_type_of(request)
    if content_type == "multipart/form-data":
        form = await request.form(max_files=max_images + 1, max_fields=20)
        uploads = [value for _, value in form.multi_items() if isinstance(value, UploadFile)]
        check_count(len(uploads), max_images)
        return [await read_upload(upload, index, max_bytes) for index, upload in enumerate(uploads)]
    if content_type == "application/json":
        payload = await read_json_object(request)
        return images_from_json(payload.get("images"), max_images, max_bytes)
    raise UnsupportedMediaType("send images as multipart/form-data files or as application/json",
                               code="unsupported_content_type")


def image_upload_openapi(max_images: int, field: str = "files") -> dict[str, Any]:
    """OpenAPI for an endpoint that takes images either way (FastAPI cannot infer both)."""
    return {"requestBody": {"required": True, "content": {
        "multipart/form-data": {"schema": {
            "type": "object", "required": [field],
            "properties": {field: {"type": "array", "maxItems": max_images,
                                   "items": {"type": "string", "format": "binary"}}},
        }},
        "application/json": {"schema": {
            "type": "object", "required": ["images"],
            "properties": {"images": {"type": "array", "minItems": 1, "maxItems": max_images,
                                      "items": {"type": "object", "required": ["data"],
                                                "properties": {"data": {"type": "string",
                                                                        "format": "byte"}}}}},
        }},
    }}}
