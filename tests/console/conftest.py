"""End-to-end console tests: the real app served by uvicorn on a free local port, a real
SQLite database with the demo catalog and listings scored by the real scorer, and Debian's
Chromium driven by Playwright (never a downloaded browser).

Without /usr/bin/chromium these tests skip loudly on a developer's machine and fail under
CI=true (.ci/run installs it with apt-get)."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from service.app.factory import create_app
from service.app.state import AppState
from service.catalog.demo import seed_demo_catalog
from service.console.people import create_person
from service.kit.db import create_db_engine, make_session_factory
from service.kit.migrate import upgrade
from service.kit.settings import Settings
from tests.conftest import unavailable

CHROMIUM = os.environ.get("TRUST_TEST_CHROMIUM", "/usr/bin/chromium")
PASSWORD = "correct horse battery"
REPORTS = Path(__file__).resolve().parents[2] / "reports" / "console"
PEOPLE = {"mod": ("moderator", None), "mod2": ("moderator", None),
          "senior": ("senior_moderator", None), "shopb-mod": ("moderator", "shop-b")}


@dataclass
class Served:
    url: str
    state: AppState


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        unavailable(f"Chromium at {CHROMIUM}", "not installed; apt-get install chromium")
    return CHROMIUM if os.path.exists(CHROMIUM) else str(shutil.which("chromium"))


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("console-e2e")
    url = f"sqlite:///{root / 'console.db'}"
    upgrade(url)
    settings = Settings(env="test", database_url=url, var_dir=root / "var", log_json=False,
                        console_secure_cookies=False, listing_inline_local_budget_ms=0.0,
                        console_signin_rate_limit="1000/minute")  # every test signs in
    engine = create_db_engine(url)
    with make_session_factory(engine)() as session:
        seed_demo_catalog(session, _limits(settings))
        for name, (role, platform) in PEOPLE.items():
            create_person(session, name, role, PASSWORD, platform)
        session.commit()
    engine.dispose()
    app = create_app(settings, load_in_background=False)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None,
                                           access_log=False, lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 300
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.1)
    if not server.started:
        pytest.fail("the console server did not start")
    try:
        yield Served(f"http://127.0.0.1:{port}", app.state.trust)
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def _limits(settings: Settings) -> Any:
    from service.images.gate import ImageLimits

    return ImageLimits(max_bytes=settings.max_image_bytes, max_pixels=settings.max_image_pixels,
                       min_side=settings.min_image_side)


# Package scope: Playwright's sync API runs an event loop in this thread while it is open, and
# a later test that starts its own (asyncio.run) must not find one running.
@pytest.fixture(scope="package")
def browser(chromium_path: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path,
                                              args=["--no-sandbox"])
        yield launched
        launched.close()


def person(served: Served, username: str, role: str = "moderator",
           platform: str | None = None) -> str:
    """Creates the person once; tests give each their own platform, so one test's items
    never reach another's queue."""
    from service.console import repository

    with served.state.session_factory() as session:
        if repository.person_by_name(session, username) is None:
            create_person(session, username, role, PASSWORD, platform)
            session.commit()
    return username


def score(served: Served, platform: str, listing_id: str, photos: list[bytes],
          caption: str = "", price: float | None = None, seller: str = "seller-e2e") -> int:
    """Scores a listing with both matching stages, as a platform would; its review item."""
    from service.listings import service as listings
    from service.listings.runtime import thresholds_for
    from service.listings.schemas import ListingFields

    state = served.state
    fields = ListingFields(listing_id=listing_id, seller_id=seller, caption=caption,
                           price=price, currency="USD" if price is not None else None)
    scored = listings.score(state, state.listings.get(), platform, fields, photos,
                            thresholds_for(state.settings, platform), time.perf_counter())
    item_id = scored.body["review_item_id"]
    assert item_id is not None, scored.body
    return int(item_id)


def sign_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/console")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/console/queue")


@pytest.fixture
def new_page(browser: Any, served: Served) -> Iterator[Any]:
    """new_page(username, locale="en", viewport=(w, h)): a signed-in page in its own context.

    Every page is watched for Content-Security-Policy refusals: a test fails when the
    browser blocked any script or style of the console."""
    contexts = []
    refused: list[str] = []

    def make(username: str | None = None, locale: str = "en",
             viewport: tuple[int, int] = (1440, 900)) -> Any:
        context = browser.new_context(locale=locale, viewport={
            "width": viewport[0], "height": viewport[1]})
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda message: refused.append(message.text)
                if "Content Security Policy" in message.text else None)
        page.set_default_timeout(15_000)
        if username:
            sign_in(page, served.url, username)
        return page

    yield make
    for context in contexts:
        context.close()
    assert refused == [], refused
