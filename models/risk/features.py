"""Feature extraction: listing signals -> a fixed-order feature vector plus evidence.

Every feature is 0 for a "clean" listing (all signals present, its product identified and
offered at list price, nothing suspicious), so the all-zero vector is the reference listing
that per-reason contributions are measured from.
Each feature declares the sign its weight is constrained to (+1 can only raise risk, -1 can
only lower it, 0 is free) and the stable reason code its contribution is reported under.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from models.risk.signals import BankMatch, ImageMatch, LinkedCounterfeit, ListingSignals

FEATURE_SET_VERSION = "risk-features-2"
# Feature sets whose artifacts still load: their features are a subset of today's, matched by
# name (models/risk/model.py); a feature an artifact never knew carries weight 0 there.
COMPATIBLE_FEATURE_SETS = frozenset({"risk-features-1", FEATURE_SET_VERSION})

# Reputation scores above this count as good standing, below as poor. It is the mean of the
# reputation model's Beta prior (REPUTATION_PRIOR_ALPHA / (ALPHA + BETA) = 2/3), where a
# seller without feedback sits.
NEUTRAL_SELLER_SCORE = 2.0 / 3.0
# Price ratios below these knots start to count as "below list" and "far below list".
PRICE_BELOW_KNOT = 0.9
PRICE_FAR_BELOW_KNOT = 0.5
PRICE_IMPLAUSIBLE_KNOT = 0.3
# Counts at which the log-scaled count features saturate at 1.
CONFIRMED_COUNTERFEITS_SATURATION = 4
COUNTERFEIT_REPORTS_SATURATION = 10
# Links listed in a listing's evidence, strongest first; the strength counts them all.
MAX_LINKS_IN_EVIDENCE = 10

LEXICON_CATEGORIES = (
    "quality_grade",
    "factory_claim",
    "replica_term",
    "brand_nickname",
    "off_platform_contact",
    "price_hiding",
    "legit_cue",
)
# Spellings other lexicons use for the same categories.
_CATEGORY_ALIASES = {
    "quality_grade_slang": "quality_grade",
    "quality_slang": "quality_grade",
    "pinyin_evasion": "quality_grade",  # pinyin initials of grade slang, e.g. "gf" for 高仿
    "grade_slang": "quality_grade",
    "factory": "factory_claim",
    "factory_claims": "factory_claim",
    "original_order": "factory_claim",
    "replica": "replica_term",
    "replica_terms": "replica_term",
    "nickname": "brand_nickname",
    "brand_nicknames": "brand_nickname",
    "off_platform": "off_platform_contact",
    "offplatform_contact": "off_platform_contact",
    "contact": "off_platform_contact",
    "price_hidden": "price_hiding",
    "legit": "legit_cue",
    "legit_cues": "legit_cue",
    "legitimate": "legit_cue",
    "legitimate_cue": "legit_cue",
    "negation": "legit_cue",
}


@dataclass(frozen=True)
class FeatureSpec:
    name: str
    sign: int
    reason: str


FEATURES: tuple[FeatureSpec, ...] = (
    FeatureSpec("official_photo_unauthorized_below_list", +1,
                "official_photo_unauthorized_seller"),
    FeatureSpec("official_photo_unauthorized_price_hidden", +1,
                "official_photo_unauthorized_seller"),
    FeatureSpec("official_photo_authorized", -1, "authorized_reseller"),
    FeatureSpec("price_below_list", +1, "price_below_list"),
    FeatureSpec("price_far_below_list", +1, "price_far_below_list"),
    FeatureSpec("price_implausibly_low", +1, "price_far_below_list"),
    FeatureSpec("caption_probability", +1, "counterfeit_language"),
    FeatureSpec("lex_quality_grade", +1, "counterfeit_language"),
    FeatureSpec("lex_factory_claim", +1, "counterfeit_language"),
    FeatureSpec("lex_replica_term", +1, "counterfeit_language"),
    FeatureSpec("lex_brand_nickname", +1, "brand_nickname"),
    FeatureSpec("lex_off_platform_contact", +1, "off_platform_contact"),
    FeatureSpec("lex_price_hiding", +1, "price_hidden"),
    FeatureSpec("lex_legit_cue", -1, "legitimacy_cues"),
    FeatureSpec("seller_low_reputation", +1, "seller_low_reputation"),
    FeatureSpec("seller_warning_tier", +1, "seller_low_reputation"),
    FeatureSpec("seller_good_reputation", -1, "seller_good_reputation"),
    FeatureSpec("seller_new", 0, "seller_new"),
    FeatureSpec("seller_confirmed_counterfeits", +1, "seller_confirmed_counterfeits"),
    FeatureSpec("seller_counterfeit_reports", +1, "seller_counterfeit_reports"),
    FeatureSpec("price_missing", 0, "price_not_given"),
    FeatureSpec("caption_missing", 0, "caption_missing"),
    FeatureSpec("seller_unknown", 0, "seller_unknown"),
    FeatureSpec("no_catalog_match", 0, "no_catalog_match"),
    FeatureSpec("matching_unavailable", 0, "matching_unavailable"),
    # Supplier networks (issue 21): a photo moderators already removed as counterfeit, and
    # rare photos or captions shared with sellers who have confirmed counterfeits.
    FeatureSpec("known_counterfeit_photo", +1, "known_counterfeit_photo"),
    FeatureSpec("linked_to_confirmed_counterfeit", +1, "linked_to_confirmed_counterfeit"),
)
FEATURE_NAMES: tuple[str, ...] = tuple(f.name for f in FEATURES)
FEATURE_INDEX: dict[str, int] = {name: i for i, name in enumerate(FEATURE_NAMES)}


@dataclass(frozen=True)
class ExtractedFeatures:
    values: np.ndarray  # float64, shape (len(FEATURES),)
    evidence: dict[str, dict[str, Any]]  # reason code -> evidence shown to a reviewer


def normalize_brand(brand: str | None) -> str | None:
    if brand is None:
        return None
    folded = " ".join(brand.casefold().split())
    return folded or None


def canonical_category(category: str) -> str | None:
    key = category.strip().casefold().replace("-", "_").replace(" ", "_")
    key = _CATEGORY_ALIASES.get(key, key)
    return key if key in LEXICON_CATEGORIES else None


def _clip01(x: float) -> float:
    return min(1.0, max(0.0, x))


def _log_saturating(count: int, saturation: int) -> float:
    return _clip01(math.log1p(max(count, 0)) / math.log1p(saturation))


def _best_branded(matches: tuple[ImageMatch, ...]) -> ImageMatch | None:
    branded = [m for m in matches if normalize_brand(m.brand) is not None]
    return max(branded, key=lambda m: m.confidence, default=None)


def price_reference(matches: Sequence[ImageMatch], currency: str | None) -> ImageMatch | None:
    """Best-confidence match whose list price is comparable with the listing's price (the
    one rule for both the scored feature and the price evidence a moderator sees)."""
    usable = [
        m
        for m in matches
        if m.list_price is not None
        and m.list_price > 0
        and (m.list_currency is None or currency is None
             or m.list_currency.upper() == currency.upper())
    ]
    return max(usable, key=lambda m: m.confidence, default=None)


def _match_evidence(match: ImageMatch) -> dict[str, Any]:
    return {
        "product_id": match.product_id,
        "brand": match.brand,
        "catalog_image_id": match.catalog_image_id,
        "photo_index": match.photo_index,
        "confidence": round(_clip01(match.confidence), 4),
    }


def _bank_evidence(matches: tuple[BankMatch, ...]) -> dict[str, Any]:
    best = max(matches, key=lambda m: _clip01(m.confidence))
    # Matches without a photo index each count as one photo: the index is what tells two
    # matches of one photo (to two entries) apart.
    photos = {("photo", m.photo_index) if m.photo_index is not None else ("match", i)
              for i, m in enumerate(matches)}
    return {
        "entry_id": best.entry_id,
        "bank": best.bank,
        "photo_index": best.photo_index,
        "review_item_id": best.review_item_id,
        "decided_at": best.decided_at,
        "confidence": round(_clip01(best.confidence), 4),
        "photos_matched": len(photos),
    }


def _link_evidence(linked: LinkedCounterfeit) -> dict[str, Any]:
    strongest = sorted(linked.links, key=lambda link: (-link.confirmed_counterfeits,
                                                        -link.shared, link.seller))
    return {
        "strength": round(_clip01(linked.strength), 4),
        "linked_sellers": len({link.seller for link in linked.links}),
        "links": [{"seller": link.seller, "kind": link.kind, "shared": link.shared,
                   "confirmed_counterfeits": link.confirmed_counterfeits,
                   "listing_id": link.listing_id}
                  for link in strongest[:MAX_LINKS_IN_EVIDENCE]],
    }


def extract_features(signals: ListingSignals) -> ExtractedFeatures:
    x = np.zeros(len(FEATURES), dtype=np.float64)
    evidence: dict[str, dict[str, Any]] = {}

    def put(name: str, value: float) -> None:
        x[FEATURE_INDEX[name]] = value

    authorized = {b for b in map(normalize_brand, signals.seller_authorized_brands) if b}
    best = _best_branded(signals.matches)
    is_authorized = best is not None and normalize_brand(best.brand) in authorized
    price_given = signals.price is not None and signals.price > 0
    # How far below half the identified product's list price, 0 (at or above) to 1 (free).
    far_below = 0.0
    if not price_given:
        put("price_missing", 1.0)
        evidence["price_not_given"] = {}
    else:
        ref = price_reference(signals.matches, signals.currency)
        if ref is not None and ref.list_price is not None and signals.price is not None:
            ratio = signals.price / ref.list_price
            conf = _clip01(ref.confidence)
            far_below = _clip01((PRICE_FAR_BELOW_KNOT - ratio) / PRICE_FAR_BELOW_KNOT)
            # Hinges at three knots: the log-odds are piecewise linear in the price ratio.
            put("price_below_list", conf * _clip01((PRICE_BELOW_KNOT - ratio) / PRICE_BELOW_KNOT))
            put("price_far_below_list", conf * far_below)
            put("price_implausibly_low",
                conf * _clip01((PRICE_IMPLAUSIBLE_KNOT - ratio) / PRICE_IMPLAUSIBLE_KNOT))
            price_evidence = {
                "price": signals.price,
                "currency": signals.currency,
                "list_price": ref.list_price,
                "ratio": round(ratio, 4),
                "product_id": ref.product_id,
                "match_confidence": round(conf, 4),
            }
            evidence["price_below_list"] = price_evidence
            evidence["price_far_below_list"] = price_evidence

    if best is not None:
        # An official photo is ordinary on its own (resellers and second-hand sellers re-use
        # them); it is the classic counterfeit pattern together with a discount or a hidden
        # price from a seller the brand has not authorized.
        conf = _clip01(best.confidence)
        if is_authorized:
            put("official_photo_authorized", conf)
            evidence["authorized_reseller"] = _match_evidence(best)
        else:
            put("official_photo_unauthorized_below_list", conf * far_below)
            put("official_photo_unauthorized_price_hidden", conf * (not price_given))
            evidence["official_photo_unauthorized_seller"] = {
                **_match_evidence(best),
                "seller_authorized": False,
                "claimed_brand": signals.claimed_brand,
            }

    if signals.caption is None:
        put("caption_missing", 1.0)
        evidence["caption_missing"] = {}
    else:
        put("caption_probability", _clip01(signals.caption.probability))
        terms: dict[str, list[str]] = {}
        for span in signals.caption.spans:
            category = canonical_category(span.category)
            if category is not None:
                terms.setdefault(category, []).append(span.term)
                put(f"lex_{category}", 1.0)
        language = {c: terms[c] for c in ("quality_grade", "factory_claim", "replica_term")
                    if c in terms}
        evidence["counterfeit_language"] = {
            "caption_probability": round(_clip01(signals.caption.probability), 4),
            "terms": language,
        }
        if signals.brand_price is not None:
            gap = signals.brand_price
            evidence["counterfeit_language"]["brand_price"] = {
                "brand": gap.brand, "category": gap.category, "price": gap.price,
                "currency": gap.currency, "floor_usd": gap.floor_usd,
                "ratio": round(gap.ratio, 4)}
        for category, code in (("brand_nickname", "brand_nickname"),
                               ("off_platform_contact", "off_platform_contact"),
                               ("price_hiding", "price_hidden"),
                               ("legit_cue", "legitimacy_cues")):
            if category in terms:
                evidence[code] = {"terms": terms[category]}

    seller = signals.seller
    if seller is None:
        put("seller_unknown", 1.0)
        evidence["seller_unknown"] = {}
    else:
        score = _clip01(seller.score)
        put("seller_low_reputation",
            _clip01((NEUTRAL_SELLER_SCORE - score) / NEUTRAL_SELLER_SCORE))
        put("seller_good_reputation",
            _clip01((score - NEUTRAL_SELLER_SCORE) / (1.0 - NEUTRAL_SELLER_SCORE)))
        tier = seller.tier.strip().casefold()
        put("seller_warning_tier", 1.0 if tier == "warning" else 0.0)
        put("seller_new", 1.0 if tier == "new" else 0.0)
        put("seller_confirmed_counterfeits",
            _log_saturating(seller.confirmed_counterfeits, CONFIRMED_COUNTERFEITS_SATURATION))
        put("seller_counterfeit_reports",
            _log_saturating(seller.counterfeit_reports, COUNTERFEIT_REPORTS_SATURATION))
        summary = {"score": round(score, 4), "tier": tier,
                   "feedback_count": seller.feedback_count}
        evidence["seller_low_reputation"] = summary
        evidence["seller_good_reputation"] = summary
        evidence["seller_new"] = summary
        evidence["seller_confirmed_counterfeits"] = {"count": seller.confirmed_counterfeits}
        evidence["seller_counterfeit_reports"] = {"count": seller.counterfeit_reports}

    if signals.photos_checked <= 0:
        put("matching_unavailable", 1.0)
        evidence["matching_unavailable"] = {}
    elif not signals.matches:
        put("no_catalog_match", 1.0)
        evidence["no_catalog_match"] = {"photos_checked": signals.photos_checked}

    if signals.bank_matches:
        put("known_counterfeit_photo",
            max(_clip01(m.confidence) for m in signals.bank_matches))
        evidence["known_counterfeit_photo"] = _bank_evidence(signals.bank_matches)
    linked = signals.linked_counterfeit
    if linked is not None and _clip01(linked.strength) > 0:
        put("linked_to_confirmed_counterfeit", _clip01(linked.strength))
        evidence["linked_to_confirmed_counterfeit"] = _link_evidence(linked)

    return ExtractedFeatures(values=x, evidence=evidence)


def feature_matrix(batch: list[ListingSignals]) -> np.ndarray:
    if not batch:
        return np.zeros((0, len(FEATURES)), dtype=np.float64)
    return np.stack([extract_features(s).values for s in batch])
