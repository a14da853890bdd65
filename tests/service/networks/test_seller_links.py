"""Sellers are linked by the rare photos and captions they post, never by official catalog
photos or by what too many sellers post; links stay inside one platform."""

from __future__ import annotations

from tests.service.networks.conftest import linked_ids, repost

SUPPLIER_CAPTION = "新款小羊皮链条包 专柜品质 五金不掉色 配全套包装 支持验货 质量问题包退 私聊拿货价"


def test_agents_posting_one_supplier_photo_are_linked(post, network) -> None:
    post("agent-1", "A1", [repost(7)], caption="自家货 好看")
    post("agent-2", "B1", [repost(7, crop=0.02, quality=55), repost(8)])
    post("someone-else", "C1", [repost(9)])

    answer = network("agent-1")
    assert linked_ids(answer) == {"agent-2"}
    link = answer.json()["linked"][0]
    assert link["kinds"] == ["photo"] and link["shared_photos"] == 1
    assert link["shared_captions"] == 0 and link["confirmed_counterfeits"] == 0
    evidence = link["evidence"][0]
    assert (evidence["kind"], evidence["listing_id"], evidence["other_listing_id"],
            evidence["photo_index"]) == ("photo", "A1", "B1", 0)
    assert 0 <= evidence["distance"] <= 56
    assert link["first_seen"] <= link["last_seen"]
    assert linked_ids(network("agent-2")) == {"agent-1"}
    assert linked_ids(network("someone-else")) == set()
    assert answer.json()["limits"]["rare_max_sellers"] == 50


def enrol_official(client, api_keys, seed: int, name: str = "Sac Mila") -> None:
    created = client.post("/v1/catalog/products", headers=api_keys.admin, json={
        "brand": "Vellora", "name": name, "list_price": 12000, "currency": "CNY"})
    assert created.status_code == 201, created.text
    uploaded = client.post(f"/v1/catalog/products/{created.json()['id']}/images",
                           headers=api_keys.admin,
                           files=[("files", ("official.jpg", repost(seed, quality=92),
                                             "image/jpeg"))])
    assert uploaded.status_code == 201, uploaded.text


def test_honest_sellers_reposting_an_official_photo_are_not_linked(client, api_keys, post,
                                                                     network) -> None:
    enrol_official(client, api_keys, 101)
    first = post("honest-1", "H1", [repost(101, quality=80)])
    second = post("honest-2", "H2", [repost(101, quality=60)])
    assert first["image_matches"] and second["image_matches"]  # the catalog knows it
    assert linked_ids(network("honest-1")) == set()
    assert linked_ids(network("honest-2")) == set()


MORE_CAPTIONS = (
    "Fresh batch just landed, same workshop as last month, stitching checked one by one",
    "今日到货 小牛皮托特包 五金全钢 内里全皮 走线工整 拿货找我 一件代发",
)


def test_shared_captions_link_only_several_together(post, network) -> None:
    """Strangers write a near-identical sentence by chance; three rare captions in common
    they do not."""
    post("c-1", "L1", [repost(31)], caption=SUPPLIER_CAPTION)
    post("c-2", "L2", [repost(32)],
         caption=SUPPLIER_CAPTION.replace("私聊拿货价", "私聊价格") + " 🔥")
    post("c-3", "L3", [repost(33)], caption="自用闲置 九成新双肩包 无磨损 原价入手 便宜出 同城可自提")
    post("c-1", "L4", [repost(34)], caption=MORE_CAPTIONS[0])
    post("c-2", "L5", [repost(35)], caption=MORE_CAPTIONS[0].replace("one by one", "by hand"))
    assert linked_ids(network("c-1")) == set()  # two in common
    post("c-1", "L6", [repost(37)], caption=MORE_CAPTIONS[1])
    post("c-2", "L7", [repost(38)], caption=MORE_CAPTIONS[1] + " ✨")
    answer = network("c-1")
    assert linked_ids(answer) == {"c-2"}
    link = answer.json()["linked"][0]
    assert link["kinds"] == ["caption"] and link["shared_captions"] == 3
    assert {e["photo_index"] for e in link["evidence"]} == {None}
    assert {(e["listing_id"], e["other_listing_id"]) for e in link["evidence"]} == {
        ("L1", "L2"), ("L4", "L5"), ("L6", "L7")}
    assert linked_ids(network("c-3")) == set()
    for n, caption in enumerate(("DM for price", "in stock, DM me", "DM for details")):
        post("short-1", f"S{n}", [repost(50 + n)], caption=caption)
        post("short-2", f"T{n}", [repost(60 + n)], caption=caption)
    assert linked_ids(network("short-1")) == set()  # stock phrases: no fingerprint


BRAND_CAPTIONS = (
    "正品 Vellora 链条包 授权店发货 专柜小票齐全 可查验",
    "Vellora authorised store, invoice included, shipped from the boutique",
    "Vellora 托特包 专柜购入 有小票 全国联保 顺丰包邮",
)

OWN_PHOTO_CAPTIONS = (
    "正品 Corvane 斜挎包 工厂直发 小票齐全 支持专柜验货",
    "Corvane crossbody, factory direct, full packaging, ships tomorrow",
    "Corvane 斜挎包 一手货源 有小票 全国包邮 顺丰到付",
)


def test_a_brands_own_captions_beside_its_official_photos_link_nobody(client, api_keys, post,
                                                                      network) -> None:
    """Two authorised sellers post the brand's template captions beside its official photos
    (and photos of their own): three near-identical captions in common, which would link
    two strangers, are the brand's words, as the photos they travel with are its photos.
    Captions like them posted beside the sellers' own photos alone still link."""
    for n, seed in enumerate((111, 112, 113)):
        enrol_official(client, api_keys, seed, name=f"Sac {n}")
    for seller, own in (("store-1", 121), ("store-2", 131)):
        for n, caption in enumerate(BRAND_CAPTIONS):
            answer = post(seller, f"{seller}-{n}", [repost(111 + n, quality=80 - 10 * n),
                                                    repost(own + n)], caption=caption)
            assert answer["image_matches"], (seller, n)  # the catalog knows the photo
    assert linked_ids(network("store-1")) == set()
    assert linked_ids(network("store-2")) == set()
    for seller, own in (("copy-1", 141), ("copy-2", 151)):
        for n, caption in enumerate(OWN_PHOTO_CAPTIONS):
            post(seller, f"{seller}-{n}", [repost(own + n)], caption=caption)
    assert linked_ids(network("copy-1")) == {"copy-2"}


def test_a_shared_caption_adds_to_a_shared_photo(post, network) -> None:
    post("p-1", "P1", [repost(7)], caption=SUPPLIER_CAPTION)
    post("p-2", "P2", [repost(7, quality=60)], caption=SUPPLIER_CAPTION + " 🔥")
    link = network("p-1").json()["linked"][0]
    assert link["seller_id"] == "p-2" and link["kinds"] == ["photo", "caption"]
    assert (link["shared_photos"], link["shared_captions"]) == (1, 1)


def test_links_stay_inside_one_platform(post, network, api_keys) -> None:
    post("agent-a", "A1", [repost(61)])
    post("agent-b", "B1", [repost(61, quality=60)], headers=api_keys.other_platform)
    assert linked_ids(network("agent-a")) == set()
    assert linked_ids(network("agent-b")) == set()
    # shop-b's seller is unknown to shop-a, whatever a moderator names
    assert network("agent-b", platform_id="shop-a").status_code == 404
    assert linked_ids(network("agent-b", platform_id="shop-b")) == set()


def test_the_endpoint_refuses_platform_keys_and_unknown_sellers(post, network,
                                                                 api_keys) -> None:
    post("known", "K1", [repost(71)])
    post("known", "K2", [repost(72)], headers=api_keys.other_platform)
    assert network("known", headers=api_keys.platform).status_code == 403
    missing = network("never-sent")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "seller_not_found"
    ambiguous = network("known")  # on two platforms, and a service-wide key names none
    assert ambiguous.status_code == 422
    assert ambiguous.json()["error"]["code"] == "platform_required"
    assert network("known", platform_id="shop-a").status_code == 200
    assert network("known", headers=api_keys.admin, platform_id="shop-b").status_code == 200
