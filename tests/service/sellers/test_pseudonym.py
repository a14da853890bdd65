"""Keyed pseudonyms of buyer ids."""

from __future__ import annotations

import pytest

from service.sellers.pseudonym import pseudonymise_buyer

SECRET = b"k" * 32


def test_stable_per_platform_and_secret():
    a = pseudonymise_buyer(SECRET, "shop", "buyer-1")
    assert a == pseudonymise_buyer(SECRET, "shop", "buyer-1")
    assert a != pseudonymise_buyer(SECRET, "shop", "buyer-2")
    assert a != pseudonymise_buyer(SECRET, "other-shop", "buyer-1")
    assert a != pseudonymise_buyer(b"j" * 32, "shop", "buyer-1")
    assert "buyer-1" not in a
    assert a.startswith("bp_")
    assert len(a) == 35


def test_field_boundary_is_unambiguous():
    assert pseudonymise_buyer(SECRET, "ab", "c") != pseudonymise_buyer(SECRET, "a", "bc")


def test_short_secret_is_refused():
    with pytest.raises(ValueError):
        pseudonymise_buyer(b"short", "shop", "buyer")
