"""A popular photo's edits count towards its popularity: sellers who post a 10 % crop of a
photo many others post are not linked by the crop, though the crop's whole-photo prints
form a group of their own (the cap is 8 here, so a group is enrolled at 2 sellers)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image
from skimage import data
from sqlalchemy import func, select

from service.networks.tables import NetworkPrint, NetworkVariant, NetworkVariantView
from tests.service.networks.conftest import linked_ids, repost
from tests.support.screens import viewer_screenshot


@pytest.fixture
def settings(make_settings, database_url):
    return make_settings(database_url=database_url, network_rare_max_sellers=8)


def _groups(client: Any, *listings: str) -> set[int]:
    with client.app.state.trust.session_factory() as session:
        return set(session.scalars(select(NetworkPrint.group_id).where(
            NetworkPrint.listing_id.in_(listings), NetworkPrint.kind == "photo")))


def _count(client: Any, table: Any) -> int:
    with client.app.state.trust.session_factory() as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def test_a_crop_of_a_popular_photo_links_nobody_once_the_photo_and_its_crops_pass_the_cap(
        client, post, network) -> None:
    post("s-1", "O1", [repost(51)])
    assert _count(client, NetworkVariantView) == 0  # one seller: nothing enrolled
    post("s-2", "O2", [repost(51, quality=60)])
    assert _count(client, NetworkVariantView) > 0  # two sellers: the photo's views stored
    post("c-1", "C1", [repost(51, crop=0.1)])
    post("c-2", "C2", [repost(51, crop=0.1, quality=60)])
    original, cropped = _groups(client, "O1", "O2"), _groups(client, "C1", "C2")
    assert len(original) == 1 and len(cropped) == 1 and original != cropped
    assert _count(client, NetworkVariant) == 2  # the crop's group and the photo's, both ways
    # four sellers of the photo and its crop: half the cap, a link on its own
    assert linked_ids(network("c-1")) == {"c-2"}
    assert linked_ids(network("s-1")) == {"s-2"}
    for n in range(3, 8):
        post(f"s-{n}", f"O{n}", [repost(51, quality=50 + n)])
    for seller in ("c-1", "c-2", "s-1", "s-2", "s-7"):
        assert linked_ids(network(seller)) == set(), seller


def test_an_unrelated_photo_posted_beside_a_popular_one_keeps_its_own_count(
        client, post, network) -> None:
    for seller in ("s-1", "s-2", "s-3"):
        post(seller, f"P-{seller}", [repost(61)])
    post("a-1", "A1", [repost(62)])
    post("a-2", "A2", [repost(62, quality=60)])
    assert linked_ids(network("a-1")) == {"a-2"}
    assert _count(client, NetworkVariant) == 0


def _jpeg(img: Image.Image) -> bytes:
    out = io.BytesIO()
    img.save(out, "JPEG", quality=85)
    return out.getvalue()


def _screenshot_pair(post: Any) -> None:
    shot = _jpeg(viewer_screenshot(Image.fromarray(data.coffee())))
    post("v-1", "V1", [shot])
    post("v-2", "V2", [shot])  # the same screenshot: one app renders it alike for both


def test_sellers_posting_one_screenshot_of_a_popular_photo_are_not_linked(
        client, post, network) -> None:
    photo = Image.fromarray(data.coffee())
    for n in range(1, 6):  # five sellers: over half the cap, weak evidence
        post(f"s-{n}", f"P{n}", [_jpeg(photo.resize((600 - 20 * n, 400 - 13 * n)))])
    _screenshot_pair(post)
    assert _count(client, NetworkVariant) >= 2  # the screenshot's group joined the photo's
    assert linked_ids(network("v-1")) == set()


def test_sellers_posting_one_screenshot_of_a_rare_photo_are_linked(client, post, network) -> None:
    _screenshot_pair(post)
    assert linked_ids(network("v-1")) == {"v-2"}


def test_a_screenshot_posted_before_its_photo_was_popular_links_nobody_once_it_is(
        client, post, network) -> None:
    _screenshot_pair(post)
    assert linked_ids(network("v-1")) == {"v-2"}  # a rare photo so far
    with client.app.state.trust.session_factory() as session:
        stored = session.scalar(select(func.count()).select_from(NetworkVariantView).where(
            NetworkVariantView.content))
    assert stored  # the shared screenshot's content, kept with its group
    photo = Image.fromarray(data.coffee())
    for n in range(1, 6):
        post(f"s-{n}", f"P{n}", [_jpeg(photo.resize((600 - 20 * n, 400 - 13 * n)))])
    assert linked_ids(network("v-1")) == set()
    assert linked_ids(network("s-1")) == set()
