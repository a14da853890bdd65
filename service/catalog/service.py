"""Catalog logic: products, their genuine images, and the hooks that follow image changes."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models.hashing.detail import content_free
from service.catalog import repository
from service.catalog.hooks import CATALOG_IMAGE_HOOKS
from service.catalog.schemas import ProductCreate, ProductPatch
from service.catalog.tables import CatalogImage, Product
from service.images.gate import DecodedImage
from service.kit.bounds import parse_cursor
from service.kit.errors import Conflict, NotFound, Unprocessable

REQUIRED_FIELDS = ("brand", "name", "list_price", "currency")


LOW_DETAIL_MESSAGE = (
    "this photo shows almost nothing at the scale images are matched at (a plain or empty "
    "background); reposts of it cannot be told apart from other such photos, so they may "
    "go unmatched: upload a photo of the product itself")


@dataclass(frozen=True)
class StoredImage:
    image: CatalogImage
    created: bool
    warnings: tuple[tuple[str, str], ...] = ()  # (code, message)


def upload_warnings(item: DecodedImage) -> tuple[tuple[str, str], ...]:
    """What the brand should know about a catalog photo it uploads (it is stored anyway)."""
    return (("low_detail", LOW_DETAIL_MESSAGE),) if content_free(item.image) else ()


def _check_sku_free(session: Session, brand: str, sku: str | None, product_id: int | None) -> None:
    if sku is None:
        return
    existing = repository.find_by_sku(session, brand, sku)
    if existing is not None and existing.id != product_id:
        raise Conflict(f"product {existing.id} already has brand {brand!r} and SKU {sku!r}",
                       code="duplicate_product", product_id=existing.id)


def create_product(session: Session, data: ProductCreate) -> Product:
    _check_sku_free(session, data.brand, data.sku, None)
    product = Product(brand_key=repository.brand_key(data.brand), **data.model_dump())
    try:
        repository.add_product(session, product)
        session.commit()
    except IntegrityError as exc:  # a concurrent create won the race for the same SKU
        session.rollback()
        raise Conflict(f"brand {data.brand!r} already has SKU {data.sku!r}",
                       code="duplicate_product") from exc
    return product


def get_product(session: Session, product_id: int, with_images: bool = False) -> Product:
    product = repository.get_product(session, product_id, with_images=with_images)
    if product is None:
        raise NotFound(f"no catalog product with id {product_id}", code="product_not_found")
    return product


def list_products(
    session: Session, limit: int, cursor: str | None, brand: str | None
) -> tuple[list[Product], str | None]:
    after_id: int | None = None
    if cursor:
        after_id = parse_cursor(cursor)
    items = repository.list_products(session, limit + 1, after_id, brand)
    next_cursor = str(items[limit - 1].id) if len(items) > limit else None
    return items[:limit], next_cursor


def update_product(session: Session, product_id: int, patch: ProductPatch) -> Product:
    product = get_product(session, product_id)
    changes = patch.model_dump(exclude_unset=True)
    for name in REQUIRED_FIELDS:
        if name in changes and changes[name] is None:
            raise Unprocessable(f"{name} cannot be null", code="invalid_input", field=name)
    if not changes:
        return product
    brand = changes.get("brand", product.brand)
    sku = changes.get("sku", product.sku)
    _check_sku_free(session, brand, sku, product.id)
    for name, value in changes.items():
        setattr(product, name, value if name != "authorized_seller_ids" else list(value or []))
    product.brand_key = repository.brand_key(product.brand)
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise Conflict("another product has this brand and SKU", code="duplicate_product") from exc
    return product


def delete_product(session: Session, product_id: int) -> None:
    product = get_product(session, product_id)
    images = repository.images_of(session, product_id)
    for hook in CATALOG_IMAGE_HOOKS:
        hook.images_removed(session, images)
    repository.delete_product(session, product)
    session.commit()


def add_images(session: Session, product_id: int, decoded: list[DecodedImage]) -> list[StoredImage]:
    """Store validated images; the same bytes twice for one product are stored once."""
    try:
        return _add_images_once(session, product_id, decoded)
    except IntegrityError:
        # A concurrent upload stored some of these bytes first: retry, they now dedupe.
        session.rollback()
        return _add_images_once(session, product_id, decoded)


def _add_images_once(
    session: Session, product_id: int, decoded: list[DecodedImage]
) -> list[StoredImage]:
    get_product(session, product_id)
    results: list[StoredImage] = []
    added: list[tuple[CatalogImage, DecodedImage]] = []
    seen: dict[str, CatalogImage] = {}
    for item in decoded:
        existing = seen.get(item.sha256) or repository.find_image(session, product_id, item.sha256)
        if existing is not None:
            results.append(StoredImage(existing, False, upload_warnings(item)))
            continue
        image = repository.add_image(session, CatalogImage(
            product_id=product_id, sha256=item.sha256, byte_size=item.byte_size,
            format=item.format, width=item.full_width, height=item.full_height,
            data=item.data,
        ))
        seen[item.sha256] = image
        added.append((image, item))
        results.append(StoredImage(image, True, upload_warnings(item)))
    if added:
        for hook in CATALOG_IMAGE_HOOKS:
            hook.images_added(session, added)
    session.commit()
    return results


def get_image(session: Session, image_id: int) -> CatalogImage:
    image = repository.get_image(session, image_id)
    if image is None:
        raise NotFound(f"no catalog image with id {image_id}", code="image_not_found")
    return image


def delete_image(session: Session, image_id: int) -> None:
    image = get_image(session, image_id)
    for hook in CATALOG_IMAGE_HOOKS:
        hook.images_removed(session, [image])
    repository.delete_image(session, image)
    session.commit()
