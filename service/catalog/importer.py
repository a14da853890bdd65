"""Bulk import of genuine catalogs: a folder tree brand/product/*.jpg or a CSV/JSONL manifest.

Idempotent and resumable: products are found again by (brand, SKU) or (brand, name), images
by their sha256, and each product is committed on its own, so a re-run after an interruption
skips what was done and carries on.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session, sessionmaker

from service.catalog import repository, service
from service.catalog.schemas import ProductCreate
from service.catalog.tables import Product
from service.images.gate import DecodedImage, ImageLimits, decode_image
from service.kit.errors import DomainError

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".gif"}
PRODUCT_META_FILE = "product.json"


@dataclass
class ProductSpec:
    source: str  # where it came from, for error messages
    fields: dict[str, Any]
    images: list[Path] = field(default_factory=list)


@dataclass
class ImportSummary:
    products_added: int = 0
    products_existing: int = 0
    images_added: int = 0
    images_skipped: int = 0
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (source, reason)
    warned: list[tuple[str, str]] = field(default_factory=list)  # (source, warning code)

    @property
    def images_seen(self) -> int:
        return self.images_added + self.images_skipped


def read_folder(root: Path) -> tuple[list[ProductSpec], list[tuple[str, str]]]:
    specs: list[ProductSpec] = []
    rejected: list[tuple[str, str]] = []
    for brand_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        for product_dir in sorted(p for p in brand_dir.iterdir() if p.is_dir()):
            source = str(product_dir.relative_to(root))
            meta_path = product_dir / PRODUCT_META_FILE
            if not meta_path.is_file():
                rejected.append((source, f"missing {PRODUCT_META_FILE} (needs list_price, currency)"))
                continue
            try:
                meta = json.loads(meta_path.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError) as exc:
                rejected.append((source, f"unreadable {PRODUCT_META_FILE}: {exc}"))
                continue
            if not isinstance(meta, dict):
                rejected.append((source, f"{PRODUCT_META_FILE} must hold a JSON object"))
                continue
            fields = {"brand": brand_dir.name, "name": product_dir.name, **meta}
            images = sorted(p for p in product_dir.iterdir()
                            if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
            specs.append(ProductSpec(source, fields, images))
    return specs, rejected


def _manifest_rows(path: Path) -> Iterable[tuple[str, dict[str, Any] | None, str]]:
    if path.suffix.lower() == ".csv":
        with path.open(newline="", encoding="utf-8") as handle:
            for number, row in enumerate(csv.DictReader(handle), start=2):
                sellers = row.get("authorized_seller_ids") or ""
                data: dict[str, Any] = {k: v for k, v in row.items() if k and v not in (None, "")}
                data["authorized_seller_ids"] = [s.strip() for s in sellers.replace("|", ";")
                                                 .split(";") if s.strip()]
                yield f"{path.name}:{number}", data, ""
        return
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                yield f"{path.name}:{number}", None, f"invalid JSON: {exc.msg}"
                continue
            if not isinstance(row, dict):
                yield f"{path.name}:{number}", None, "each line must be a JSON object"
                continue
            yield f"{path.name}:{number}", row, ""


def read_manifest(path: Path) -> tuple[list[ProductSpec], list[tuple[str, str]]]:
    """One row per image (or per product with an `images` list); rows of a product merge."""
    by_identity: dict[tuple[str, str], ProductSpec] = {}
    rejected: list[tuple[str, str]] = []
    for source, row, problem in _manifest_rows(path):
        if row is None:
            rejected.append((source, problem))
            continue
        images = row.pop("images", None) or []
        if "image" in row:
            images = [row.pop("image"), *images]
        if not isinstance(images, list) or not all(isinstance(i, str) for i in images):
            rejected.append((source, "image/images must be paths"))
            continue
        brand = str(row.get("brand", ""))
        identity = (repository.brand_key(brand), str(row.get("sku") or row.get("name") or ""))
        spec = by_identity.setdefault(identity, ProductSpec(source, row))
        spec.images.extend(path.parent / image for image in images)
    return list(by_identity.values()), rejected


def _find_or_create(session: Session, data: ProductCreate) -> tuple[Product, bool]:
    existing = (repository.find_by_sku(session, data.brand, data.sku) if data.sku
                else repository.find_by_name(session, data.brand, data.name))
    if existing is not None:
        return existing, False
    return service.create_product(session, data), True


def import_catalog(
    path: Path,
    session_factory: sessionmaker[Session],
    limits: ImageLimits,
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> ImportSummary:
    specs, rejected = read_manifest(path) if path.is_file() else read_folder(path)
    summary = ImportSummary(rejected=list(rejected))
    if on_total is not None:
        on_total(sum(len(spec.images) for spec in specs))
    for spec in specs:
        try:
            data = ProductCreate.model_validate(spec.fields)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            summary.rejected.append((spec.source, f"{where}: {first['msg']}"))
            if progress:
                progress(len(spec.images))
            continue
        decoded: list[DecodedImage] = []
        sources: list[str] = []
        for image_path in spec.images:
            try:
                decoded.append(decode_image(image_path.read_bytes(), limits, index=len(decoded)))
                sources.append(str(image_path))
            except (OSError, DomainError) as exc:
                reason = exc.message if isinstance(exc, DomainError) else str(exc)
                summary.rejected.append((str(image_path), reason.split(": ", 1)[-1]))
            if progress:
                progress(1)
        with session_factory() as session:
            product, created = _find_or_create(session, data)
            stored = service.add_images(session, product.id, decoded) if decoded else []
        summary.products_added += created
        summary.products_existing += not created
        summary.images_added += sum(item.created for item in stored)
        summary.images_skipped += sum(not item.created for item in stored)
        summary.warned += [(source, code) for source, item in zip(sources, stored, strict=True)
                           for code, _ in item.warnings]
    return summary
