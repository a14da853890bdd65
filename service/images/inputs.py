"""Reading image bytes out of a request: multipart files or JSON base64, same limits for both.

This only extracts bytes; service.images.gate decides whether they are an acceptable image.
"""

from __future__ import annotations

import base64
import binascii
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import orjson
import pybase64
from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from service.images import jsonbody
from service.images.fetch import ImageFetcher
from service.kit.errors import PayloadTooLarge, Unprocessable, UnsupportedMediaType

URL_FETCH_CONCURRENCY = 4  # URLs of one request fetched in parallel

_B64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_"


def decode_base64_image(value: Any, index: int, max_bytes: int) -> bytes:
    if not isinstance(value, str) or not value:
        raise Unprocessable(f"images[{index}].data must be a non-empty base64 string",
                            code="invalid_base64", index=index)
    if value.startswith("data:"):  # tolerate data URLs: data:image/jpeg;base64,....
        value = value.partition(",")[2]
    if len(value) * 3 // 4 <= max_bytes + 3:
        # Canonical base64 (what clients send) in one SIMD pass; this was most of the CPU a
        # stored re-score costs. Anything else takes the tolerant path below.
        try:
            return pybase64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            pass
    return _decode_tolerant(value, index, max_bytes)


def _decode_tolerant(value: str, index: int, max_bytes: int) -> bytes:
    """Whitespace (line-wrapped base64), missing padding and the URL-safe alphabet."""
    compact = "".join(value.split())
    if len(compact) * 3 // 4 > max_bytes + 3:
        raise PayloadTooLarge(f"images[{index}]: larger than the limit of {max_bytes} bytes",
                              code="image_too_large", index=index)
    if compact.encode().translate(None, _B64_ALPHABET):  # what is left is not base64 (fast)
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


def images_from_json(items: Any, max_images: int, max_bytes: int,
                     fetcher: ImageFetcher | None = None) -> list[bytes]:
    """The `images` list of a JSON body: [{"data": "<base64>"} or {"url": "https://..."}].

    Blocking when it fetches URLs (call it off the event loop); URLs are refused with a
    clear 422 unless the server enables fetching (`fetcher`).
    """
    if not isinstance(items, list):
        raise Unprocessable("expected a JSON object with an \"images\" list",
                            code="invalid_input")
    check_count(len(items), max_images)
    blobs: list[bytes | None] = []
    urls: dict[int, str] = {}
    for index, item in enumerate(items):
        if not isinstance(item, dict) or len({"data", "url"} & item.keys()) != 1:
            raise Unprocessable(f"images[{index}] must be an object with either a \"data\" "
                                "or a \"url\" field", code="invalid_input", index=index)
        if "data" in item:
            blobs.append(decode_base64_image(item["data"], index, max_bytes))
            continue
        if fetcher is None:
            raise Unprocessable(f"images[{index}]: fetching images by URL is off on this "
                                "server; send the bytes as base64 \"data\"",
                                code="image_url_disabled", index=index)
        urls[index] = item["url"]
        blobs.append(None)
    if urls and fetcher is not None:
        with ThreadPoolExecutor(max_workers=min(len(urls), URL_FETCH_CONCURRENCY)) as pool:
            fetched = dict(zip(urls, pool.map(lambda kv: fetcher.fetch(kv[1], kv[0]).data,
                                              urls.items()), strict=True))
        blobs = [fetched.get(i, b) for i, b in enumerate(blobs)]
    return [b for b in blobs if b is not None]


def parse_json_object(body: bytes) -> dict[str, Any]:
    """A JSON object from a request body. CPU-bound on an image request's body (tens of MB):
    call it off the event loop, as read_images and read_listing do."""
    try:
        payload = jsonbody.loads(body)  # the GIL held for short stretches only
    except orjson.JSONDecodeError as exc:  # invalid UTF-8 included
        raise Unprocessable("the body is not valid JSON", code="invalid_json") from exc
    if not isinstance(payload, dict):
        raise Unprocessable("expected a JSON object", code="invalid_input")
    return payload


async def body_chunks(request: Request) -> list[bytes]:
    """The body as it arrived: joining 64 MB (a fresh 64 MB allocation, page by page) is
    work for the thread that parses it, not for the event loop."""
    return [chunk async for chunk in request.stream() if chunk]


def content_type_of(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def read_images(request: Request, max_images: int, max_bytes: int,
                      fetcher: ImageFetcher | None = None) -> list[bytes]:
    content_type = content_type_of(request)
    if content_type == "multipart/form-data":
        form = await request.form(max_files=max_images + 1, max_fields=20)
        uploads = [value for _, value in form.multi_items() if isinstance(value, UploadFile)]
        check_count(len(uploads), max_images)
        return [await read_upload(upload, index, max_bytes) for index, upload in enumerate(uploads)]
    if content_type == "application/json":
        chunks = await body_chunks(request)

        def parse() -> list[bytes]:  # JSON and base64 of up to 64 MB: never on the loop
            return images_from_json(parse_json_object(b"".join(chunks)).get("images"),
                                    max_images, max_bytes, fetcher)

        return await run_in_threadpool(parse)
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
                                      "items": {"type": "object", "properties": {
                                          "data": {"type": "string", "format": "byte"},
                                          "url": {"type": "string", "format": "uri",
                                                  "description": "only where the server "
                                                                 "enables image fetching"}}}}},
        }},
    }}}

