"""Demo data for a fresh `make run`: a small catalog of fictional brands with drawn photos."""

from __future__ import annotations

import io
import random
from decimal import Decimal

from PIL import Image, ImageDraw, ImageFilter
from sqlalchemy.orm import Session

from service.auth import repository as meta_repository
from service.catalog import service as catalog
from service.catalog.schemas import ProductCreate
from service.images.gate import ImageLimits, decode_image

DEMO_SEEDED_KEY = "demo_catalog_seeded"

# Fictional brands: demo data must not name real trademarks.
DEMO_PRODUCTS: list[dict[str, object]] = [
    {"brand": "Maison Verdier", "name": "Quilted Flap Bag", "sku": "MV-QF-01",
     "list_price": "4200.00", "currency": "USD", "category": "bags",
     "authorized_seller_ids": ["seller-verdier-official"]},
    {"brand": "Maison Verdier", "name": "Canvas Tote", "sku": "MV-CT-02",
     "list_price": "1850.00", "currency": "USD", "category": "bags",
     "authorized_seller_ids": ["seller-verdier-official"]},
    {"brand": "Aerostride", "name": "Runner 9 Sneaker", "sku": "AS-R9",
     "list_price": "180.00", "currency": "USD", "category": "shoes",
     "authorized_seller_ids": ["seller-aerostride-store"]},
    {"brand": "Aerostride", "name": "Court Classic", "sku": "AS-CC",
     "list_price": "120.00", "currency": "USD", "category": "shoes",
     "authorized_seller_ids": []},
    {"brand": "Horloge Royale", "name": "Diver 300 Watch", "sku": "HR-D300",
     "list_price": "9800.00", "currency": "USD", "category": "watches",
     "authorized_seller_ids": ["seller-royale-boutique"]},
    {"brand": "Lumen Beauty", "name": "Silk Serum 30ml", "sku": "LB-SS30",
     "list_price": "95.00", "currency": "CNY", "category": "cosmetics",
     "authorized_seller_ids": []},
]


def product_photo(seed: int, size: int = 640) -> bytes:
    """A studio-style product shot: gradient backdrop, a textured object, a logo plate."""
    rng = random.Random(seed)
    top = tuple(rng.randint(170, 250) for _ in range(3))
    bottom = tuple(max(0, c - rng.randint(40, 90)) for c in top)
    img = Image.new("RGB", (size, size))
    draw = ImageDraw.Draw(img)
    for y in range(size):
        t = y / size
        draw.line([(0, y), (size, y)],
                  fill=tuple(int(a * (1 - t) + b * t) for a, b in zip(top, bottom, strict=True)))
    body = tuple(rng.randint(20, 200) for _ in range(3))
    def u(fraction: float) -> int:  # layout in fractions of the side, so any size works
        return int(fraction * size)

    x0, y0 = u(rng.uniform(0.12, 0.28)), u(rng.uniform(0.22, 0.34))
    x1, y1 = size - u(rng.uniform(0.12, 0.28)), size - u(rng.uniform(0.12, 0.25))
    draw.rounded_rectangle([x0, y0, x1, y1], radius=u(rng.uniform(0.02, 0.09)), fill=body)
    dot = max(2, u(0.0125))
    for _ in range(rng.randint(20, 40)):  # stitching and texture: gives hashes something to hold
        cx, cy = rng.randint(x0, x1), rng.randint(y0, y1)
        shade = tuple(min(255, c + rng.randint(-50, 50)) for c in body)
        draw.ellipse([cx - dot, cy - dot, cx + dot, cy + dot], fill=shade)
    draw.arc([x0 + u(0.06), y0 - u(0.19), x1 - u(0.06), y0 + u(0.12)], 180, 360,
             fill=(30, 30, 30), width=max(2, u(0.019)))
    plate = tuple(rng.randint(180, 255) for _ in range(3))
    mx, my = (x0 + x1) // 2, (y0 + y1) // 2
    draw.rectangle([mx - u(0.094), my - u(0.04), mx + u(0.094), my + u(0.04)], fill=plate)
    draw.text((mx - u(0.0625), my - u(0.0125)), f"LOGO {seed % 97}", fill=(10, 10, 10))
    img = img.filter(ImageFilter.GaussianBlur(0.6))
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=90)
    return out.getvalue()


def seed_demo_catalog(session: Session, limits: ImageLimits, images_per_product: int = 2) -> int:
    """Adds the demo products once per database; returns how many products were added."""
    if meta_repository.get_meta(session, DEMO_SEEDED_KEY) is not None:
        return 0
    added = 0
    for number, fields in enumerate(DEMO_PRODUCTS):
        data = ProductCreate.model_validate({**fields, "list_price": Decimal(str(fields["list_price"]))})
        product = catalog.create_product(session, data)
        photos = [decode_image(product_photo(number * 10 + k), limits, index=k)
                  for k in range(images_per_product)]
        catalog.add_images(session, product.id, photos)
        added += 1
    meta_repository.set_meta(session, DEMO_SEEDED_KEY, "1")
    session.commit()
    return added
