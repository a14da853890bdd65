"""Caption fingerprints: re-captioned copies of one text are the same caption; different
texts of the same market are not; short captions say nothing."""

from __future__ import annotations

from models.networks.captions import (
    MAX_PASSAGES,
    band_keys,
    caption_print,
    caption_prints,
    differing_slots,
    passages,
    same_caption,
    weight,
)

SUPPLIER = "新款小羊皮链条包 专柜品质 五金不掉色 配全套包装 支持验货 质量问题包退 私聊拿货价"
OTHERS = [
    "自用闲置 九成新双肩包 无磨损 原价入手 便宜出 同城可自提",
    "手工编织草编包 夏天必备 每只都是手工做的 颜色可选 下单备注",
    "新款羊皮斜挎包 专柜正品 带发票小票 支持专柜验货 假一赔十",
    "全新运动鞋 尺码齐全 透气舒适 学生党必备 包邮到家 拍下即发",
]


def test_a_recaptioned_copy_is_the_same_caption() -> None:
    base = caption_print(SUPPLIER)
    edits = [
        SUPPLIER.replace("私聊拿货价", "私聊价格"),  # own price line
        SUPPLIER + " 🔥🔥",
        "新款 小羊皮 链条包，专柜品质！五金不掉色；配全套包装 支持验货 质量问题包退 私聊拿货价",
        SUPPLIER.replace("链条包", "鏈條包"),  # traditional characters
    ]
    assert base is not None
    for edited in edits:
        other = caption_print(edited)
        assert other is not None
        assert same_caption(base.signature, other.signature) is not None, edited
        assert set(band_keys(base.signature)) & set(band_keys(other.signature))


def test_other_captions_of_the_market_are_not_the_same() -> None:
    prints = [caption_print(t) for t in [SUPPLIER, *OTHERS]]
    assert all(p is not None for p in prints)
    for i, a in enumerate(prints):
        for b in prints[i + 1:]:
            assert a is not None and b is not None
            assert same_caption(a.signature, b.signature) is None
            assert differing_slots(a.signature, b.signature) > 40


def test_short_captions_and_spacing() -> None:
    assert caption_print("DM for price") is None
    assert caption_print("私聊") is None
    a, b = caption_print(SUPPLIER), caption_print(SUPPLIER.replace(" ", "\n"))
    assert a is not None and b is not None and a.signature == b.signature


def test_stock_phrases_say_nothing_and_a_short_chinese_caption_does() -> None:
    """Length is weighed with a CJK character as two: a Chinese caption of a dozen
    characters says as much as an English sentence, a stock English phrase does not."""
    for phrase in ("Interested? DM for price", "PM me for price, ships today", "价格私聊 欢迎咨询"):
        assert caption_print(phrase) is None, phrase
    assert weight("Interested? DM for price") == 20
    assert weight("微商拿货 V:lucky8") == 4 * 2 + 7
    for caption in ("高仿 1:1 原单 顶级复刻 Vellora 包 微商拿货 私聊",
                    "Vellora mirror grade handbag, DM for wholesale"):
        assert caption_print(caption) is not None, caption


def test_the_fingerprint_is_stable() -> None:
    """Stored fingerprints are compared with new ones: the function must never drift."""
    a = caption_print(SUPPLIER)
    assert a is not None and len(a.signature) == 256
    assert a.signature == caption_print(SUPPLIER).signature  # type: ignore[union-attr]


def test_a_reseller_editing_line_by_line_keeps_passages() -> None:
    """An opener added, a line dropped, the contact line swapped: the whole caption moves
    away, the lines kept are still the same passages."""
    original = ("新款小羊皮链条包 专柜品质 五金不掉色\n配全套包装 支持验货 质量问题包退 七天无理由\n"
                "今天下单 明天顺丰发出 偏远地区不包邮哦\nV: lucky888")
    repost = ("姐妹们冲！今天刚到的货\n新款小羊皮链条包 专柜品质 五金不掉色\n"
              "配全套包装 支持验货 质量问题包退 七天无理由\n加我微信 mia_shop2024 看实拍")
    whole_a, whole_b = caption_print(original), caption_print(repost)
    assert whole_a is not None and whole_b is not None
    assert same_caption(whole_a.signature, whole_b.signature) is None
    a, b = caption_prints(original), caption_prints(repost)
    assert whole_a in a and whole_b in b and len(a) <= 1 + MAX_PASSAGES
    shared = [(x, y) for x in a for y in b if same_caption(x.signature, y.signature) is not None]
    assert len(shared) == 2


def test_passages_are_the_long_lines_and_one_line_is_one_print() -> None:
    text = "新款\n到货\n专柜品质 五金不掉色 配全套包装\nV: x1\n  配全套包装 支持验货 质量问题包退  "
    assert passages(text) == ["专柜品质 五金不掉色 配全套包装", "配全套包装 支持验货 质量问题包退"]
    assert caption_prints(SUPPLIER) == [caption_print(SUPPLIER)]
    assert caption_prints("DM for price") == []
    assert caption_prints("新款到货\n专柜品质\n五金不掉色\n配全套包装") == \
        [caption_print("新款到货\n专柜品质\n五金不掉色\n配全套包装")]  # no long line: the whole
    many = "\n".join(f"第{i}行 这是一段足够长的商品描述文字 编号{i}" for i in range(20))
    assert len(caption_prints(many)) == 1 + MAX_PASSAGES


def test_one_long_line_among_short_ones_is_a_passage() -> None:
    original = "🔥新款到货🔥\n新款小羊皮链条包 专柜品质 五金不掉色 配全套包装\nV: lucky888"
    repost = "姐妹们冲！\n新款小羊皮链条包 专柜品质 五金不掉色 配全套包装\n加我微信 mia_shop2024"
    a, b = caption_prints(original), caption_prints(repost)
    assert len(a) == 2 and len(b) == 2
    assert any(same_caption(x.signature, y.signature) is not None for x in a for y in b)
