"""Webhook URL policy: no internal addresses unless explicitly allowed (SSRF guard)."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from service.kit.errors import Unprocessable


def check_webhook_url(url: str, allow_private: bool) -> str:
    """Returns the URL if acceptable; checked at registration and again before each POST."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise Unprocessable("webhook url must be an absolute http(s) URL", code="bad_webhook_url")
    if parts.username or parts.password:
        raise Unprocessable("webhook url must not carry credentials", code="bad_webhook_url")
    if allow_private:
        return url
    if parts.scheme != "https":
        raise Unprocessable("webhook url must use https", code="bad_webhook_url")
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise Unprocessable("webhook host does not resolve", code="bad_webhook_url") from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            raise Unprocessable("webhook host resolves to a non-public address",
                                code="bad_webhook_url")
    return url
