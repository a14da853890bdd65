"""The supplier-network features: a photo in the known-counterfeit bank, and a link to a
seller with a confirmed counterfeit (values, evidence, bounds, absence)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from models.risk import ListingSignals
from models.risk.features import FEATURE_INDEX, FEATURES, MAX_LINKS_IN_EVIDENCE, extract_features
from models.risk.signals import BankMatch, LinkedCounterfeit, SellerLink

BANKED = BankMatch(entry_id="e-7", confidence=0.93, bank="platform", photo_index=2,
                   review_item_id="4100231", decided_at="2024-05-30T08:12:00+00:00")
IMPORTED = BankMatch(entry_id="e-9", confidence=0.71, bank="shared:brand-protection",
                     photo_index=0)
LINK = SellerLink(seller="p-3f2a", kind="photo", shared=3, confirmed_counterfeits=2,
                  listing_id="p-3f2a-l017")
BASE = ListingSignals(photos_checked=4)


def value(signals: ListingSignals, name: str) -> float:
    return float(extract_features(signals).values[FEATURE_INDEX[name]])


def test_both_features_only_raise_risk_under_their_own_reason_codes() -> None:
    specs = {f.name: f for f in FEATURES}
    assert specs["known_counterfeit_photo"].sign == +1
    assert specs["known_counterfeit_photo"].reason == "known_counterfeit_photo"
    assert specs["linked_to_confirmed_counterfeit"].sign == +1
    assert specs["linked_to_confirmed_counterfeit"].reason == "linked_to_confirmed_counterfeit"


def test_absent_network_signals_are_zero_and_give_no_evidence() -> None:
    extracted = extract_features(BASE)
    assert value(BASE, "known_counterfeit_photo") == 0.0
    assert value(BASE, "linked_to_confirmed_counterfeit") == 0.0
    assert "known_counterfeit_photo" not in extracted.evidence
    assert "linked_to_confirmed_counterfeit" not in extracted.evidence
    # A zero-strength link is no link.
    weak = replace(BASE, linked_counterfeit=LinkedCounterfeit(0.0, (LINK,)))
    assert "linked_to_confirmed_counterfeit" not in extract_features(weak).evidence


def test_bank_feature_is_the_best_match_and_its_evidence_names_the_decision() -> None:
    second_of_same_photo = replace(IMPORTED, entry_id="e-10", photo_index=2, confidence=0.4)
    signals = replace(BASE, bank_matches=(IMPORTED, BANKED, second_of_same_photo))
    extracted = extract_features(signals)
    assert value(signals, "known_counterfeit_photo") == pytest.approx(0.93)
    assert extracted.evidence["known_counterfeit_photo"] == {
        "entry_id": "e-7", "bank": "platform", "photo_index": 2, "review_item_id": "4100231",
        "decided_at": "2024-05-30T08:12:00+00:00", "confidence": 0.93,
        "photos_matched": 2,  # photos 0 and 2; photo 2 matched two entries
    }


def test_imported_entry_has_no_decision_and_unindexed_matches_count_apart() -> None:
    a = BankMatch(entry_id="x", confidence=0.8, bank="hma:list")
    b = BankMatch(entry_id="y", confidence=0.6, bank="hma:list")
    evidence = extract_features(replace(BASE, bank_matches=(a, b))).evidence
    assert evidence["known_counterfeit_photo"]["review_item_id"] is None
    assert evidence["known_counterfeit_photo"]["decided_at"] is None
    assert evidence["known_counterfeit_photo"]["photos_matched"] == 2


@pytest.mark.parametrize(("raw", "bounded"), [(1.7, 1.0), (-0.2, 0.0), (float("nan"), 0.0),
                                              (0.35, 0.35)])
def test_values_stay_in_the_unit_interval(raw: float, bounded: float) -> None:
    bank = replace(BASE, bank_matches=(replace(BANKED, confidence=raw),))
    linked = replace(BASE, linked_counterfeit=LinkedCounterfeit(raw, (LINK,)))
    assert value(bank, "known_counterfeit_photo") == pytest.approx(bounded)
    assert value(linked, "linked_to_confirmed_counterfeit") == pytest.approx(bounded)


def test_link_feature_is_the_strength_and_its_evidence_lists_the_links() -> None:
    caption_link = SellerLink(seller="p-91", kind="caption", shared=1, confirmed_counterfeits=5)
    signals = replace(BASE, linked_counterfeit=LinkedCounterfeit(0.64, (LINK, caption_link)))
    evidence = extract_features(signals).evidence["linked_to_confirmed_counterfeit"]
    assert value(signals, "linked_to_confirmed_counterfeit") == pytest.approx(0.64)
    assert evidence["strength"] == 0.64
    assert evidence["linked_sellers"] == 2
    # Most confirmed counterfeits first.
    assert evidence["links"] == [
        {"seller": "p-91", "kind": "caption", "shared": 1, "confirmed_counterfeits": 5,
         "listing_id": None},
        {"seller": "p-3f2a", "kind": "photo", "shared": 3, "confirmed_counterfeits": 2,
         "listing_id": "p-3f2a-l017"},
    ]


def test_link_evidence_is_capped_but_counts_every_seller() -> None:
    links = tuple(SellerLink(f"p-{i:03d}", "photo", 1, 1 + i % 3) for i in range(40))
    evidence = extract_features(replace(BASE, linked_counterfeit=LinkedCounterfeit(1.0, links)))
    shown = evidence.evidence["linked_to_confirmed_counterfeit"]
    assert len(shown["links"]) == MAX_LINKS_IN_EVIDENCE
    assert shown["linked_sellers"] == 40
    assert all(link["confirmed_counterfeits"] == 3 for link in shown["links"])


def test_network_signals_leave_every_other_feature_alone() -> None:
    plain = extract_features(BASE).values
    both = extract_features(replace(BASE, bank_matches=(BANKED,),
                                    linked_counterfeit=LinkedCounterfeit(0.5, (LINK,)))).values
    others = [i for i, f in enumerate(FEATURES) if f.name not in
              ("known_counterfeit_photo", "linked_to_confirmed_counterfeit")]
    np.testing.assert_array_equal(plain[others], both[others])
