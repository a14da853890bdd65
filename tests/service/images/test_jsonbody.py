"""jsonbody.loads gives what orjson.loads gives, for large bodies cut into pieces."""

from __future__ import annotations

import base64
import os

import orjson
import pytest

from service.images import jsonbody

LONG = base64.b64encode(os.urandom(900_000)).decode()  # 1.2 MB of base64


@pytest.mark.parametrize("value", [
    {"images": [{"data": LONG}, {"data": LONG[::-1]}], "caption": "包 \"quoted\" \\ x"},
    {"listing_id": "a", "images": [{"data": LONG.replace("/", "\\/")}]},  # escaped slashes
    {"images": [{"data": "\n".join(LONG[i:i + 76] for i in range(0, len(LONG), 76))}]},
    {LONG: [LONG, {"k": LONG}], "n": [1, 2.5, None, True]},  # a long key
    [[[[{"deep": LONG}]]]],
    {"text": "é" * 600_000 + "\"" + "x" * 70_000},
])
def test_same_as_orjson(value) -> None:
    body = orjson.dumps(value)
    assert len(body) > jsonbody.SMALL_BODY
    assert jsonbody.loads(body) == orjson.loads(body)


@pytest.mark.parametrize("body", [
    b'{"a": "' + b"A" * 2_000_000 + b'"',  # unterminated object
    b'{"a": "' + b"A" * 2_000_000,  # unterminated string
    b'{"a": "' + b"A" * 2_000_000 + b'\x01"}',  # a raw control character
    b'{"a": "' + b"A" * 2_000_000 + b'\xff"}',  # invalid UTF-8
    b'{"a": x"' + b"A" * 2_000_000 + b'"}',  # syntax outside the string
    b'{"a": "' + b"A" * 2_000_000 + b'\\q"}',  # an invalid escape
    b"[" * 5000 + b'"' + b"A" * 2_000_000 + b'"' + b"]" * 5000,  # too deep
])
def test_refuses_what_orjson_refuses(body: bytes) -> None:
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(body)
    with pytest.raises(orjson.JSONDecodeError):
        jsonbody.loads(body)
