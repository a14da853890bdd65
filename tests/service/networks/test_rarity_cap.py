"""A photo or caption posted by more distinct sellers than the cap is common: it links
nobody. A photo posted by more than half the cap is weak evidence, like a caption: it links
only together with others (models/networks/rules.py). The cap is 4 here."""

from __future__ import annotations

import pytest

from tests.service.networks.conftest import linked_ids, repost


@pytest.fixture
def settings(make_settings, database_url):
    return make_settings(database_url=database_url, network_rare_max_sellers=4)


OTHERS = ("Fresh batch just landed, same workshop as last month, stitching checked one by one",
          "今日到货 小牛皮托特包 五金全钢 内里全皮 走线工整 拿货找我 一件代发")


def test_a_photo_links_alone_while_few_sellers_post_it(post, network) -> None:
    post("s-1", "L1", [repost(21)])
    post("s-2", "L2", [repost(21, quality=60)])
    assert linked_ids(network("s-1")) == {"s-2"}  # two sellers: half the cap
    post("s-3", "L3", [repost(21, quality=50)])
    for seller in ("s-1", "s-2", "s-3"):
        assert linked_ids(network(seller)) == set(), seller


def test_a_photo_posted_by_more_sellers_than_the_cap_links_nobody(post, network) -> None:
    for n, seller in enumerate(("s-1", "s-2", "s-3")):
        post(seller, f"L{n}", [repost(21, quality=60 + n), repost(22, quality=60 + n),
                               repost(23, quality=60 + n)])
    assert linked_ids(network("s-1")) == {"s-2", "s-3"}  # three weak photos in common
    post("s-4", "L4", [repost(21, quality=55)])
    post("s-5", "L5", [repost(21, quality=50)])
    for seller in ("s-1", "s-2", "s-3"):  # two weak photos left
        assert linked_ids(network(seller)) == set(), seller


def test_a_template_caption_posted_by_more_sellers_than_the_cap_links_nobody(
        post, network) -> None:
    """Two sellers sharing three rare captions are linked; more sellers than the cap posting
    one of them makes it common, and the two captions left do not link."""
    template = "全新正品 欢迎咨询 价格私聊 支持验货 包邮到家 下单请备注尺码颜色"
    for seller, photo in (("t-1", 41), ("t-2", 42)):
        for n, caption in enumerate((template, *OTHERS)):
            post(seller, f"{seller}-{n}", [repost(photo + 10 * n)], caption=caption)
    assert linked_ids(network("t-1")) == {"t-2"}
    for n, seller in enumerate(("t-3", "t-4", "t-5")):
        post(seller, f"{seller}-0", [repost(70 + n)], caption=template)
    assert linked_ids(network("t-1")) == set()


def test_a_caption_formula_filled_in_by_more_sellers_than_the_cap_links_nobody(
        post, network) -> None:
    """Two sellers with the same sentence (and two more captions in common) are linked;
    more sellers filling the same formula in differently (variants, not the same caption)
    make the text common."""
    same = "Selling my leather tote bag, used a few times, moving out of the city. 350 rmb"
    for seller, photo, price in (("f-1", 44, "350"), ("f-2", 45, "420")):
        for n, caption in enumerate((same.replace("350", price), *OTHERS)):
            post(seller, f"{seller}-{n}", [repost(photo + 10 * n)], caption=caption)
    assert linked_ids(network("f-1")) == {"f-2"}
    for n, (seller, item, price) in enumerate((("f-3", "canvas", 88), ("f-4", "suede", 120),
                                               ("f-5", "nylon", 64))):
        post(seller, f"{seller}-0", [repost(80 + n)],
             caption=f"Selling my {item} tote bag, used a few times, moving out of the city. "
                     f"{price} rmb")
    for seller in ("f-1", "f-2", "f-3"):
        assert linked_ids(network(seller)) == set(), seller
