"""Parsing a JSON body of tens of MB without holding the GIL for the whole parse.

orjson parses a 57 MB image body in one call that holds the GIL for ~180 ms: run in a
thread, it still stops the event loop (and every other thread) that long. Nearly all of such
a body is a few long strings (base64 photos), so ``loads`` cuts them out first: each string
longer than ``LONG_STRING`` is replaced by a short placeholder, the small skeleton left is
parsed by orjson, and the placeholders are filled with the strings, converted one at a time
(a few ms each). Long strings holding escapes or control characters are parsed by orjson on
their own, so the result, and what is refused, is what orjson would give for the whole body.
"""

from __future__ import annotations

import secrets
from typing import Any

import orjson

LONG_STRING = 64 * 1024  # shorter strings stay in the skeleton
SMALL_BODY = 1024 * 1024  # parsed in one call
# Every byte but escapes and (invalid) control characters: bytes.translate deletes these
# in one fast C pass, and what is left says whether orjson must read the string.
_PLAIN = bytes(b for b in range(256) if b >= 0x20 and b != 0x5C)


def loads(body: bytes) -> Any:
    """``orjson.loads(body)``; raises orjson.JSONDecodeError for what it would refuse."""
    if len(body) <= SMALL_BODY:
        return orjson.loads(body)
    nonce = secrets.token_hex(8)
    parts: list[bytes] = []
    strings: dict[str, bytes] = {}
    at, start = 0, 0
    while True:
        opening = body.find(b'"', at)
        if opening < 0:
            break
        closing = opening + 1
        while True:  # the next quote no backslash escapes
            closing = body.find(b'"', closing)
            if closing < 0:
                return orjson.loads(body)  # unterminated: orjson says where
            backslashes = 0
            while body[closing - 1 - backslashes] == 0x5C:
                backslashes += 1
            if backslashes % 2 == 0:
                break
            closing += 1
        if closing - opening - 1 > LONG_STRING:
            token = f"\u0000{nonce}:{len(strings)}"
            strings[token] = body[opening + 1:closing]
            parts += [body[start:opening], orjson.dumps(token)]
            start = closing + 1
        at = closing + 1
    if not strings:
        return orjson.loads(body)
    parts.append(body[start:])
    skeleton = orjson.loads(b"".join(parts))
    return _fill(skeleton, {t: _string(raw) for t, raw in strings.items()})


def _string(raw: bytes) -> str:
    if raw.translate(None, _PLAIN):
        value = orjson.loads(b'"' + raw + b'"')
        assert isinstance(value, str)
        return value
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise orjson.JSONDecodeError("str is not valid UTF-8", raw.decode("utf-8", "replace"),
                                     exc.start) from exc


def _fill(root: Any, strings: dict[str, str]) -> Any:
    """Placeholders replaced in keys and values, iteratively (bodies may nest deeply)."""
    def get(value: Any) -> Any:
        return strings.get(value, value) if isinstance(value, str) else value

    root = get(root)
    stack = [root] if isinstance(root, dict | list) else []
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            items = [(get(k), get(v)) for k, v in node.items()]
            node.clear()
            node.update(items)
            stack.extend(v for _, v in items if isinstance(v, dict | list))
        else:
            for i, value in enumerate(node):
                node[i] = get(value)
                if isinstance(node[i], dict | list):
                    stack.append(node[i])
    return root
