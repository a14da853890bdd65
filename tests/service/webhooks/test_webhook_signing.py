"""Signature format, verification failures and replay refusal (pure, no server)."""

from __future__ import annotations

import pytest

from service.webhooks.signing import (
    InvalidSignatureError,
    ReplayGuard,
    new_secret,
    signature_header,
    verify_signature,
)

BODY = b'{"id":"evt_1","type":"review.decided"}'


def test_a_fresh_signature_verifies():
    secret = new_secret()
    header = signature_header(secret, 1_700_000_000, BODY)
    assert header.startswith("t=1700000000,v1=")
    assert verify_signature(secret, header, BODY, now=1_700_000_100) == 1_700_000_000


@pytest.mark.parametrize(("mutate", "reason"), [
    (lambda s, h, b: (s, h, b + b" "), "signature mismatch"),
    (lambda s, h, b: ("whsec_other", h, b), "signature mismatch"),
    (lambda s, h, b: (s, h.replace("t=1700000000", "t=1700000001"), b), "signature mismatch"),
    (lambda s, h, b: (s, None, b), "missing signature header"),
    (lambda s, h, b: (s, "v1=abc", b), "malformed signature header"),
])
def test_tampering_is_detected(mutate, reason):
    secret = new_secret()
    header = signature_header(secret, 1_700_000_000, BODY)
    s, h, b = mutate(secret, header, BODY)
    with pytest.raises(InvalidSignatureError) as error:
        verify_signature(s, h, b, now=1_700_000_000)
    assert error.value.reason == reason


def test_old_messages_are_refused():
    secret = new_secret()
    header = signature_header(secret, 1_700_000_000, BODY)
    with pytest.raises(InvalidSignatureError, match="tolerance"):
        verify_signature(secret, header, BODY, now=1_700_000_000 + 301)


def test_rotation_accepts_any_listed_signature():
    old, new = new_secret(), new_secret()
    header = (signature_header(old, 1_700_000_000, BODY) + ",v1="
              + signature_header(new, 1_700_000_000, BODY).split("v1=")[1])
    assert verify_signature(new, header, BODY, now=1_700_000_000)
    assert verify_signature(old, header, BODY, now=1_700_000_000)


def test_replay_guard_accepts_each_delivery_once():
    guard = ReplayGuard(max_entries=2)
    assert guard.first_time("a")
    assert not guard.first_time("a")
    assert guard.first_time("b")
    assert guard.first_time("c")
    assert guard.first_time("a")  # forgotten beyond the bound; the timestamp window covers it
