"""Reading a listing to score from JSON (base64 images) or multipart (files + form fields)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from service.images.fetch import ImageFetcher
from service.images.inputs import (
    body_chunks,
    check_count,
    content_type_of,
    image_upload_openapi,
    images_from_json,
    parse_json_object,
    read_upload,
)
from service.kit.errors import Unprocessable, UnsupportedMediaType
from service.listings.schemas import ListingFields

MAX_LISTING_IMAGES = 9


def listing_openapi(max_images: int) -> dict[str, Any]:
    """The request body of `POST /v1/listings/score`, which reads it raw (one parse of up to
    nine base64 images, fields checked before any image is decoded): the listing's fields
    and its images, as JSON or as a multipart form."""
    fields = ListingFields.model_json_schema()
    extra = image_upload_openapi(max_images)
    for media_type, images in (("application/json", "images"), ("multipart/form-data", "files")):
        schema = extra["requestBody"]["content"][media_type]["schema"]
        schema["properties"] = {**fields["properties"], **schema["properties"]}
        schema["required"] = [*fields["required"], images]
        schema["description"] = fields["description"]
    return extra


def parse_fields(data: dict[str, Any]) -> ListingFields:
    try:
        return ListingFields.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise Unprocessable(f"{where}: {first.get('msg', 'invalid')}", code="invalid_input",
                            field=where) from exc


async def read_listing(request: Request, max_images: int, max_bytes: int,
                       fetcher: ImageFetcher | None = None) -> tuple[ListingFields, list[bytes]]:
    content_type = content_type_of(request)
    if content_type == "application/json":
        chunks = await body_chunks(request)

        def parse() -> tuple[ListingFields, list[bytes]]:  # never on the event loop: the
            payload = parse_json_object(b"".join(chunks))  # JSON, base64 of 64 MB, URLs
            listing = parse_fields(payload)  # field errors before any image is fetched
            return listing, images_from_json(payload.get("images"), max_images, max_bytes,
                                             fetcher)

        return await run_in_threadpool(parse)
    if content_type == "multipart/form-data":
        form = await request.form(max_files=max_images + 1, max_fields=20)
        fields: dict[str, Any] = {}
        blobs: list[bytes] = []
        for name, value in form.multi_items():
            if isinstance(value, UploadFile):
                blobs.append(await read_upload(value, len(blobs), max_bytes))
            elif value != "":
                fields[name] = value
        check_count(len(blobs), max_images)
        return parse_fields(fields), blobs
    raise UnsupportedMediaType("send the listing as application/json or multipart/form-data",
                               code="unsupported_content_type")
