"""The one price-reference rule: which identified product a listing's price is compared with.

The scorer's price features and the price evidence a moderator sees both use it."""

from __future__ import annotations

from models.risk import ListingSignals, score_listing
from models.risk.features import price_reference
from models.risk.signals import ImageMatch


def match(product: str, confidence: float, price: float | None, currency: str | None) -> ImageMatch:
    return ImageMatch(product_id=product, brand="Vellora", confidence=confidence,
                      list_price=price, list_currency=currency)


def test_best_confidence_match_with_a_comparable_list_price() -> None:
    matches = (match("a", 0.6, 1000, "CNY"), match("b", 0.9, 800, "CNY"),
               match("c", 0.95, None, "CNY"), match("d", 0.99, 0, "CNY"))
    chosen = price_reference(matches, "CNY")
    assert chosen is not None
    assert chosen.product_id == "b"  # c has no list price, d a list price of 0


def test_another_currency_is_not_comparable_but_an_unknown_one_is() -> None:
    matches = (match("usd", 0.9, 150, "USD"), match("cny", 0.5, 1000, "cny"))
    chosen = price_reference(matches, "CNY")
    assert chosen is not None and chosen.product_id == "cny"
    unknown = price_reference(matches, None)
    assert unknown is not None and unknown.product_id == "usd"
    assert price_reference((match("usd", 0.9, 150, "USD"),), "EUR") is None


def test_the_scored_price_evidence_names_the_reference_product(risk_model) -> None:
    matches = (match("a", 0.7, 1000, "CNY"), match("b", 0.9, 2000, "USD"))
    signals = ListingSignals(matches=matches, photos_checked=1, price=100, currency="CNY")
    reasons = {r.code: r for r in score_listing(signals, risk_model).reasons}
    evidence = reasons["price_far_below_list"].evidence
    reference = price_reference(matches, "CNY")
    assert reference is not None
    assert evidence["list_price"] == reference.list_price == 1000
