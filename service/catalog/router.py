from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.concurrency import run_in_threadpool

from models.thresholds import CATALOG_DECODE_SIDE
from service.auth.deps import AnyRole, AuthFirstRoute, CurrentAdmin
from service.catalog import service
from service.catalog.schemas import (
    ImageOut,
    ImageUploadResult,
    ImageWarning,
    ProductCreate,
    ProductDetail,
    ProductOut,
    ProductPage,
    ProductPatch,
    UploadedImage,
)
from service.core.deps import SessionDep, StateDep
from service.images.gate import decode_images
from service.images.inputs import image_upload_openapi, read_images
from service.kit.bounds import Cursor, PageSize, PathId
from service.kit.openapi import errors

router = APIRouter(prefix="/v1/catalog", tags=["catalog"], route_class=AuthFirstRoute)
MAX_UPLOAD_IMAGES = 20


@router.post("/products", status_code=status.HTTP_201_CREATED, response_model=ProductOut,
             responses=errors(409))
def create_product(body: ProductCreate, _: CurrentAdmin, session: SessionDep) -> ProductOut:
    return ProductOut.model_validate(service.create_product(session, body))


@router.get("/products", response_model=ProductPage)
def list_products(
    _: AnyRole,
    session: SessionDep,
    state: StateDep,
    brand: Annotated[str | None, Query(max_length=200)] = None,
    limit: PageSize | None = None,
    cursor: Cursor | None = None,
) -> ProductPage:
    page_size = min(limit or state.settings.catalog_page_default, state.settings.catalog_page_max)
    items, next_cursor = service.list_products(session, page_size, cursor, brand)
    return ProductPage(items=[ProductOut.model_validate(p) for p in items], next_cursor=next_cursor)


@router.get("/products/{product_id}", response_model=ProductDetail, responses=errors(404))
def get_product(product_id: PathId, _: AnyRole, session: SessionDep) -> ProductDetail:
    return ProductDetail.model_validate(service.get_product(session, product_id, with_images=True))


@router.patch("/products/{product_id}", response_model=ProductOut, responses=errors(404, 409))
def update_product(
    product_id: PathId, body: ProductPatch, _: CurrentAdmin, session: SessionDep
) -> ProductOut:
    return ProductOut.model_validate(service.update_product(session, product_id, body))


@router.delete("/products/{product_id}", status_code=status.HTTP_204_NO_CONTENT,
               responses=errors(404))
def delete_product(product_id: PathId, _: CurrentAdmin, session: SessionDep) -> Response:
    service.delete_product(session, product_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/products/{product_id}/images",
    response_model=ImageUploadResult,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=image_upload_openapi(MAX_UPLOAD_IMAGES),
    responses={**errors(404, 415, 503),
               200: {"description": "every image was already enrolled (idempotent re-upload)"}},
)
async def upload_images(
    product_id: PathId, request: Request, response: Response, _: CurrentAdmin, state: StateDep
) -> ImageUploadResult:
    limits = state.image_limits
    max_images = min(MAX_UPLOAD_IMAGES, state.settings.max_images_per_request)

    def store(blobs: list[bytes]) -> list[service.StoredImage]:
        with state.session_factory() as session:
            service.get_product(session, product_id)  # 404 before spending time on decoding
            return service.add_images(session, product_id, decode_images(
                blobs, limits, draft_side=CATALOG_DECODE_SIDE))

    blobs = await read_images(request, max_images, limits.max_bytes, state.image_fetcher)
    stored = await run_in_threadpool(store, blobs)
    if not any(item.created for item in stored):
        response.status_code = status.HTTP_200_OK
    return ImageUploadResult(images=[
        UploadedImage(**ImageOut.model_validate(item.image).model_dump(), created=item.created,
                      warnings=[ImageWarning(code=c, message=m) for c, m in item.warnings])
        for item in stored
    ])


@router.get("/images/{image_id}", response_model=ImageOut, responses=errors(404))
def get_image(image_id: PathId, _: AnyRole, session: SessionDep) -> ImageOut:
    return ImageOut.model_validate(service.get_image(session, image_id))


@router.get("/images/{image_id}/content", response_class=Response,
            responses={**errors(404), 200: {"content": {"image/*": {}}}})
def get_image_content(image_id: PathId, _: AnyRole, session: SessionDep) -> Response:
    image = service.get_image(session, image_id)
    return Response(image.data, media_type=f"image/{image.format.lower()}",
                    headers={"Cache-Control": "private, max-age=86400",
                             "ETag": f'"{image.sha256}"',
                             # Opened directly, an image is never a document that runs.
                             "Content-Security-Policy": "default-src 'none'; sandbox",
                             "X-Content-Type-Options": "nosniff"})


@router.delete("/images/{image_id}", status_code=status.HTTP_204_NO_CONTENT,
               responses=errors(404))
def delete_image(image_id: PathId, _: CurrentAdmin, session: SessionDep) -> Response:
    service.delete_image(session, image_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
