"""Buyer-id pseudonymisation: HMAC-SHA256 under a server secret.

The same buyer on the same platform always maps to the same pseudonym, so buyer history and
diversity can be counted, while nobody without the secret can test a guessed buyer id against
stored rows (a plain hash of a phone number or user id would be reversible by enumeration).
"""

from __future__ import annotations

import hashlib
import hmac

PREFIX = "bp_"
MIN_SECRET_BYTES = 32


def pseudonymise_buyer(secret: bytes, platform: str, buyer_id: str) -> str:
    if len(secret) < MIN_SECRET_BYTES:
        raise ValueError("pseudonymisation secret is too short")
    # A separator that cannot occur in either part keeps ("ab", "c") and ("a", "bc") apart.
    message = f"{platform}\x1f{buyer_id}".encode()
    return PREFIX + hmac.new(secret, message, hashlib.sha256).hexdigest()[:32]
