"""A photo or caption posted by more distinct sellers than the cap is common: it links
nobody (the cap is 2 here, so three sellers make anything common)."""

from __future__ import annotations

import pytest

from tests.service.networks.conftest import linked_ids, repost


@pytest.fixture
def settings(make_settings, database_url):
    return make_settings(database_url=database_url, network_rare_max_sellers=2)


def test_a_photo_posted_by_more_sellers_than_the_cap_links_nobody(post, network) -> None:
    post("s-1", "L1", [repost(21)])
    post("s-2", "L2", [repost(21, quality=60)])
    assert linked_ids(network("s-1")) == {"s-2"}  # rare so far: two sellers, the cap
    post("s-3", "L3", [repost(21, quality=50)])
    for seller in ("s-1", "s-2", "s-3"):
        assert linked_ids(network(seller)) == set()


def test_a_template_caption_posted_by_more_sellers_than_the_cap_links_nobody(
        post, network) -> None:
    template = "全新正品 欢迎咨询 价格私聊 支持验货 包邮到家 下单请备注尺码颜色"
    post("t-1", "T1", [repost(41)], caption=template)
    post("t-2", "T2", [repost(42)], caption=template)
    assert linked_ids(network("t-1")) == {"t-2"}
    post("t-3", "T3", [repost(43)], caption=template)
    assert linked_ids(network("t-1")) == set()




def test_a_caption_formula_filled_in_by_more_sellers_than_the_cap_links_nobody(
        post, network) -> None:
    """Two sellers with the same sentence are linked; a third filling the same formula in
    differently (a variant, not the same caption) makes the text common for all three."""
    same = "Selling my leather tote bag, used a few times, moving out of the city. 350 rmb"
    post("f-1", "F1", [repost(44)], caption=same)
    post("f-2", "F2", [repost(45)], caption=same.replace("350", "420"))
    assert linked_ids(network("f-1")) == {"f-2"}
    post("f-3", "F3", [repost(46)],
         caption="Selling my canvas tote bag, used a few times, moving out of the city. 88 rmb")
    for seller in ("f-1", "f-2", "f-3"):
        assert linked_ids(network(seller)) == set(), seller
