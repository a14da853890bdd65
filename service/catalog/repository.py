"""All SQL for the catalog."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from service.catalog.tables import CatalogImage, Product


def brand_key(brand: str) -> str:
    return " ".join(brand.casefold().split())


def add_product(session: Session, product: Product) -> Product:
    session.add(product)
    session.flush()
    return product


def get_product(session: Session, product_id: int, with_images: bool = False) -> Product | None:
    if not with_images:
        return session.get(Product, product_id)
    query = select(Product).where(Product.id == product_id).options(selectinload(Product.images))
    return session.scalar(query)


def find_by_sku(session: Session, brand: str, sku: str) -> Product | None:
    return session.scalar(
        select(Product).where(Product.brand_key == brand_key(brand), Product.sku == sku)
    )


def find_by_name(session: Session, brand: str, name: str) -> Product | None:
    query = select(Product).where(Product.brand_key == brand_key(brand), Product.name == name)
    return session.scalars(query.order_by(Product.id)).first()


def list_products(
    session: Session, limit: int, after_id: int | None, brand: str | None
) -> list[Product]:
    query = select(Product).order_by(Product.id).limit(limit)
    if after_id is not None:
        query = query.where(Product.id > after_id)
    if brand:
        query = query.where(Product.brand_key == brand_key(brand))
    return list(session.scalars(query))


def delete_product(session: Session, product: Product) -> None:
    session.execute(delete(CatalogImage).where(CatalogImage.product_id == product.id))
    session.delete(product)
    session.flush()


def images_of(session: Session, product_id: int) -> list[CatalogImage]:
    query = select(CatalogImage).where(CatalogImage.product_id == product_id)
    return list(session.scalars(query.order_by(CatalogImage.id)))


def find_image(session: Session, product_id: int, sha256: str) -> CatalogImage | None:
    return session.scalar(
        select(CatalogImage).where(
            CatalogImage.product_id == product_id, CatalogImage.sha256 == sha256
        )
    )


def get_image(session: Session, image_id: int) -> CatalogImage | None:
    return session.get(CatalogImage, image_id)


def add_image(session: Session, image: CatalogImage) -> CatalogImage:
    session.add(image)
    session.flush()
    return image


def delete_image(session: Session, image: CatalogImage) -> None:
    session.delete(image)
    session.flush()


def products_of_images(session: Session, image_ids: set[int]) -> dict[int, Product]:
    """catalog image id -> its product, for the images that still exist."""
    rows = session.execute(select(CatalogImage.id, Product)
                           .join(Product, Product.id == CatalogImage.product_id)
                           .where(CatalogImage.id.in_(image_ids))).all()
    return {image_id: product for image_id, product in rows}
