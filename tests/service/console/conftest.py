"""Console fixtures: people of every role, signed-in test clients, flagged items with photos
stored (put straight into the database, so these tests need no scoring)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy.orm import Session, sessionmaker

from service.console.people import create_person
from service.kit.db import utcnow
from service.kit.settings import Settings
from service.listings import repository as listings_repo
from service.listings.tables import Listing, ListingAssessment
from service.review import service as review

PASSWORD = "correct horse battery"


@pytest.fixture
def settings(make_settings: Callable[..., Settings], database_url: str) -> Settings:
    # TestClient talks plain http://testserver: Secure cookies would never come back.
    return make_settings(database_url=database_url, console_secure_cookies=False)


@pytest.fixture
def people(session_factory: sessionmaker[Session]) -> dict[str, str]:
    """user name -> role; everyone's password is PASSWORD."""
    made = {"mod": ("moderator", None), "mod2": ("moderator", None),
            "senior": ("senior_moderator", None), "boss": ("admin", None),
            "shopb-mod": ("moderator", "shop-b")}
    with session_factory() as session:
        for name, (role, platform) in made.items():
            create_person(session, name, role, PASSWORD, platform)
        session.commit()
    return {name: role for name, (role, _) in made.items()}


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Signs the client in; returns its CSRF token (as the pages carry it)."""
    client.get("/console/sign-in")
    response = client.post("/console/sign-in", data={
        "username": username, "password": password,
        "csrf": client.cookies.get("trustd_console_pre")}, follow_redirects=False)
    assert response.status_code == 303, response.text
    page = client.get("/console/queue")
    assert page.status_code == 200
    return page.text.split('data-csrf="', 1)[1].split('"', 1)[0]


@pytest.fixture
def browser_for(client: TestClient, people: dict[str, str]) -> Callable[[str], tuple[TestClient, str]]:
    """A separate cookie jar per person, on the one app: (client, csrf token)."""
    def make(username: str) -> tuple[TestClient, str]:
        other = TestClient(client.app, headers={"accept-language": "en"})
        return other, sign_in(other, username)

    return make


def png(color: tuple[int, int, int], size: tuple[int, int] = (400, 300)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def make_item(session_factory: sessionmaker[Session]) -> Callable[..., int]:
    counter = iter(range(1, 100_000))

    def build(risk: float = 0.8, level: str = "high", platform: str = "shop-a",
              seller: str = "seller-1", brand: str | None = "Vellora",
              reasons: tuple[str, ...] = ("price_far_below_list",),
              enqueued_at: dt.datetime | None = None, photos: int = 1,
              result: dict | None = None) -> int:
        n = next(counter)
        now = enqueued_at or utcnow()
        with session_factory() as session:
            listing = Listing(platform_id=platform, listing_id=f"L{n}", seller_id=seller,
                              current_version=1)
            session.add(listing)
            session.flush()
            digest = f"{n:064d}"
            body = result or {
                "risk": risk, "photos_checked": photos, "image_matches": [],
                "reasons": [{"code": c, "contribution": 1.0, "evidence": {}} for c in reasons],
                "caption": None, "price_check": {}, "seller": {"available": False},
                "image_check": {"status": "complete", "stages": ["hash", "local"]}}
            assessment = ListingAssessment(
                listing_pk=listing.id, version=1, content_hash=digest, risk=risk, level=level,
                decision="review", brand=brand, reason_codes=list(reasons), result=body)
            session.add(assessment)
            session.flush()
            blobs = [png((40 * i % 255, 120, 200)) for i in range(photos)]
            listings_repo.add_photos(session, listing.id, digest, blobs,
                                     [f"{n:060d}{i:04d}" for i in range(photos)])
            item = review.enqueue(session, listing, assessment, now)
            assert item is not None
            session.commit()
            return item.id

    return build
