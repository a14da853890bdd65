"""The matcher version (part of the listing scorer's per-photo cache key) follows the stored
evidence and the acceptance model by itself: a refit or a re-hash can never reuse results
cached under the old ones."""

from __future__ import annotations

from dataclasses import replace

from models.hashing.analysis import EVIDENCE_VERSION
from models.hashing.pipeline import Rules
from service.listings.photos import cache_key
from service.matching.service import MATCHER_VERSION, matcher_version


def test_version_names_the_evidence_and_the_committed_model() -> None:
    assert EVIDENCE_VERSION in MATCHER_VERSION
    assert matcher_version(Rules()) == MATCHER_VERSION


def test_any_refitted_acceptance_model_gives_another_version_and_cache_key() -> None:
    base = Rules()
    model = base.model
    first, *rest = model.terms
    knots = model.features[0]
    changed = [replace(base, model=replace(model, threshold=model.threshold + 0.01)),
               replace(base, model=replace(model, bias=model.bias - 0.01)),
               replace(base, model=replace(model, terms=(
                   replace(first, weights=(first.weights[0] + 0.01, *first.weights[1:])),
                   *rest))),
               replace(base, model=replace(model, features=(
                   # an inner knot: the outer ones are the served search bounds
                   replace(knots, knots=(*knots.knots[:-2], knots.knots[-2] + 0.5,
                                         knots.knots[-1])),
                   *model.features[1:]))),
               replace(base, model=replace(model, version="v0"))]
    versions = {matcher_version(r) for r in changed}
    assert MATCHER_VERSION not in versions and len(versions) == len(changed)
    sha = "ab" * 32
    assert cache_key("hash", MATCHER_VERSION, sha) != cache_key("hash", versions.pop(), sha)
