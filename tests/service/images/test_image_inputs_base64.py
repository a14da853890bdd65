"""Base64 image data in JSON bodies: every encoding clients really send decodes to the same
bytes (the fast canonical path and the tolerant one agree), and bad data is a clear 4xx."""

from __future__ import annotations

import base64
import os

import pytest

from service.images.inputs import decode_base64_image
from service.kit.errors import DomainError

LIMIT = 10_000


def _wrapped(text: str, width: int = 76) -> str:
    return "\n".join(text[i:i + width] for i in range(0, len(text), width))


@pytest.mark.parametrize("size", [1, 2, 3, 4, 1_000, 2_999])
def test_every_accepted_encoding_gives_the_same_bytes(size: int) -> None:
    data = os.urandom(size)
    canonical = base64.b64encode(data).decode()
    urlsafe = base64.urlsafe_b64encode(data).decode()
    variants = {
        "canonical": canonical,
        "data url": "data:image/jpeg;base64," + canonical,
        "line-wrapped (MIME)": _wrapped(canonical),
        "CRLF and spaces": " " + _wrapped(canonical, 64).replace("\n", "\r\n") + " ",
        "no padding": canonical.rstrip("="),
        "url-safe alphabet": urlsafe,
        "url-safe, no padding": urlsafe.rstrip("="),
    }
    for name, text in variants.items():
        assert decode_base64_image(text, 0, LIMIT) == data, name


@pytest.mark.parametrize(("value", "status", "code"), [
    ("", 422, "invalid_base64"),
    (12, 422, "invalid_base64"),
    (None, 422, "invalid_base64"),
    ("!!!not base64!!!", 422, "invalid_base64"),
    ("QUJD\x00REVG", 422, "invalid_base64"),
    ("QUJDé", 422, "invalid_base64"),  # non-ASCII
    ("QU=JD", 422, "invalid_base64"),  # padding in the middle
    ("Q", 422, "invalid_base64"),  # one character cannot encode a byte
    (base64.b64encode(b"x" * (LIMIT + 10)).decode(), 413, "image_too_large"),
    (_wrapped(base64.b64encode(b"x" * (LIMIT + 10)).decode()), 413, "image_too_large"),
])
def test_bad_data_is_a_clear_client_error(value: object, status: int, code: str) -> None:
    with pytest.raises(DomainError) as caught:
        decode_base64_image(value, 3, LIMIT)
    assert caught.value.status_code == status
    assert caught.value.code == code
    assert caught.value.details.get("index") == 3


def test_data_at_the_limit_is_accepted_even_when_wrapped() -> None:
    data = os.urandom(LIMIT)
    assert decode_base64_image(_wrapped(base64.b64encode(data).decode()), 0, LIMIT) == data
