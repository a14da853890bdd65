"""Brand and price knowledge: aliases, stated prices, and the gap to the genuine floor."""

from __future__ import annotations

import pytest

from models.text.brands import load_brand_table, log_ratio, prices_in


@pytest.fixture(scope="module")
def table():
    return load_brand_table()


@pytest.mark.parametrize(("text", "amount", "currency"), [
    ("卡地亚手镯 ¥680 包邮", 680, "CNY"),
    ("全新 680元 不议", 680, "CNY"),
    ("rolex sub RM 350 ready stock", 350, "MYR"),
    ("Birkin HK$1,200 only", 1200, "HKD"),
    ("NT$3500 面交", 3500, "TWD"),
    ("£35 posted", 35, "GBP"),
    ("₱450 lang", 450, "PHP"),
    ("1.2w 带票", 12000, "CNY"),
])
def test_stated_prices_in_the_local_style(text, amount, currency) -> None:
    found = prices_in(text)
    assert [(p.amount, p.currency) for p in found] == [(amount, currency)]


def test_letters_before_a_mark_are_not_a_currency() -> None:
    assert prices_in("grip 3 sizes, form 5") == []


@pytest.mark.parametrize(("text", "brand"), [
    ("香奶奶 CF 中号", "Chanel"), ("驴牌老花", "Louis Vuitton"), ("Louis Vuiton speedy", "Louis Vuitton"),
    ("勞力士 日誌", "Rolex"), ("爱马仕 birkin", "Hermès"),
])
def test_nicknames_misspellings_and_chinese_names(table, text, brand) -> None:
    assert brand in {m.brand for m in table.mentions(text)}


def test_short_aliases_need_word_boundaries(table) -> None:
    assert table.mentions("please deliver tomorrow") == []
    assert [m.weak for m in table.mentions("LV bag")] == [True]


def test_a_luxury_item_far_below_its_floor_is_a_gap(table) -> None:
    found = table.brand_price("劳力士绿水鬼 380元 包邮")
    assert found is not None
    assert (found.brand, found.category, found.price.currency) == ("Rolex", "watch", "CNY")
    assert found.ratio < 0.05
    assert "Rolex watch at CNY 380" in found.describe()


def test_a_genuine_price_is_not_a_gap(table) -> None:
    found = table.brand_price("pre-loved LV speedy 25, bought in Paris 2019, receipt, $650")
    assert found is not None and found.category == "bag"
    assert found.ratio > 0.5


def test_the_named_category_sets_the_floor(table) -> None:
    bag = table.brand_price("Hermès Birkin HK$1,200")
    scarf = table.brand_price("Hermès scarf HK$1,200")
    assert bag is not None and scarf is not None
    assert bag.floor_usd > scarf.floor_usd
    assert bag.ratio < scarf.ratio


def test_no_brand_or_no_price_is_no_evidence(table) -> None:
    assert table.brand_price("手工编织包 自制 ¥80") is None
    assert table.brand_price("Rolex Submariner, DM for price") is None


def test_log_ratio_is_clipped() -> None:
    assert log_ratio(1e-9) == -2.0
    assert log_ratio(1000) == 1.0
    assert log_ratio(0.1) == pytest.approx(-1.0)
