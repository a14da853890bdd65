"""`trustd catalog import`: folder and manifests, idempotent re-runs, resumable, rejections."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image
from sqlalchemy import func, select

from service.app.cli import main
from service.catalog.importer import import_catalog
from service.catalog.tables import CatalogImage, Product
from service.images.gate import ImageLimits
from service.kit.db import create_db_engine, make_session_factory

LIMITS = ImageLimits()


def counts(factory) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with factory() as session:
        products = session.scalar(select(func.count()).select_from(Product))
        images = session.scalar(select(func.count()).select_from(CatalogImage))
    return int(products or 0), int(images or 0)


@pytest.fixture
def factory(database_url: str):  # type: ignore[no-untyped-def]
    engine = create_db_engine(database_url)
    yield make_session_factory(engine)
    engine.dispose()


def make_folder(root: Path, photo: Callable[..., bytes]) -> Path:
    seed = 0
    for brand, products in {"Verdier": ["Flap Bag", "Tote"], "Aerostride": ["Runner"]}.items():
        for name in products:
            folder = root / brand / name
            folder.mkdir(parents=True)
            (folder / "product.json").write_text(json.dumps(
                {"sku": f"{brand[:2]}-{name[:3]}", "list_price": 100 + seed, "currency": "USD"}))
            for k in range(2):
                (folder / f"{k}.jpg").write_bytes(photo(seed := seed + 1))
    broken = root / "Verdier" / "No Price"
    broken.mkdir()
    (broken / "0.jpg").write_bytes(photo(99))
    (root / "Aerostride" / "Runner" / "bad.jpg").write_bytes(b"\xff\xd8\xffgarbage")
    return root


def test_folder_import_then_rerun_adds_nothing(tmp_path: Path, factory, photo) -> None:
    root = make_folder(tmp_path / "catalog", photo)
    first = import_catalog(root, factory, LIMITS)
    assert (first.products_added, first.images_added) == (3, 6)
    reasons = dict(first.rejected)
    assert "missing product.json" in reasons[str(Path("Verdier") / "No Price")]
    assert any("bad.jpg" in source for source in reasons)
    assert counts(factory) == (3, 6)
    assert first.warned == []  # product photos: nothing to warn about

    second = import_catalog(root, factory, LIMITS)
    assert (second.products_added, second.products_existing) == (0, 3)
    assert (second.images_added, second.images_skipped) == (0, 6)
    assert counts(factory) == (3, 6)


def test_interrupted_import_resumes(tmp_path: Path, factory, photo) -> None:
    root = make_folder(tmp_path / "catalog", photo)
    seen = 0

    def crash_after_four(step: int) -> None:
        nonlocal seen
        seen += step
        if seen > 4:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_catalog(root, factory, LIMITS, progress=crash_after_four)
    partial = counts(factory)
    assert 0 < partial[1] < 6  # some products were committed before the interruption
    resumed = import_catalog(root, factory, LIMITS)
    assert counts(factory) == (3, 6)
    assert resumed.images_added == 6 - partial[1]


def test_csv_and_jsonl_manifests(tmp_path: Path, factory, photo) -> None:
    (tmp_path / "img").mkdir()
    for i in range(4):
        (tmp_path / "img" / f"{i}.jpg").write_bytes(photo(i + 10))
    csv_path = tmp_path / "catalog.csv"
    csv_path.write_text(
        "brand,name,sku,list_price,currency,category,authorized_seller_ids,image\n"
        "Verdier,Flap Bag,V-1,4200,USD,bags,s1;s2,img/0.jpg\n"
        "Verdier,Flap Bag,V-1,4200,USD,bags,s1;s2,img/1.jpg\n"
        "Verdier,Broken,V-2,-5,USD,bags,,img/2.jpg\n")
    jsonl_path = tmp_path / "more.jsonl"
    jsonl_path.write_text(
        json.dumps({"brand": "Aerostride", "name": "Runner", "list_price": 180, "currency": "EUR",
                    "images": ["img/2.jpg", "img/3.jpg"]}) + "\n{not json\n")
    summary = import_catalog(csv_path, factory, LIMITS)
    assert (summary.products_added, summary.images_added) == (1, 2)
    assert any("list_price" in reason for _, reason in summary.rejected)
    summary = import_catalog(jsonl_path, factory, LIMITS)
    assert (summary.products_added, summary.images_added) == (1, 2)
    assert any("invalid JSON" in reason for _, reason in summary.rejected)
    with factory() as session:
        bag = session.scalar(select(Product).where(Product.sku == "V-1"))
        assert bag is not None and bag.authorized_seller_ids == ["s1", "s2"]
    again = import_catalog(jsonl_path, factory, LIMITS)
    assert again.images_added == 0 and again.products_existing == 1
    assert counts(factory) == (2, 4)


def test_cli_import_prints_summary(tmp_path: Path, database_url: str, photo,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_folder(tmp_path / "catalog", photo)
    monkeypatch.setenv("TRUST_DATABASE_URL", database_url)
    from service.kit.settings import get_settings

    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(main, ["catalog", "import", str(root)])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 2, result.output  # 2: finished, with rejections
    assert "products: 3 added" in result.output
    assert "images:   6 added" in result.output
    assert "rejected" in result.output


def test_a_content_free_photo_is_imported_with_a_warning(tmp_path: Path, factory, photo) -> None:
    folder = tmp_path / "catalog" / "Verdier" / "Backdrop"
    folder.mkdir(parents=True)
    (folder / "product.json").write_text(json.dumps({"list_price": 10, "currency": "USD"}))
    (folder / "0.jpg").write_bytes(photo(7))
    Image.new("RGB", (300, 300), (120, 120, 120)).save(folder / "1.jpg", "JPEG")
    summary = import_catalog(tmp_path / "catalog", factory, LIMITS)
    assert summary.images_added == 2 and summary.rejected == []
    assert summary.warned == [(str(folder / "1.jpg"), "low_detail")]
