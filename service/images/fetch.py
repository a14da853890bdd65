"""Fetching an image by URL, for requests that send `{"url": ...}` instead of the bytes.

Off unless `TRUST_IMAGE_FETCH_ENABLED`. A URL is untrusted input that makes this server open
a connection, so the guard sits where the connection is made, not where the URL is parsed:
every address a host name resolves to must be public (no loopback, private, link-local,
carrier-grade NAT, multicast, reserved; IPv4 inside IPv6 judged as IPv4), and the socket
connects to the address that was checked — a DNS answer that changes between check and
connect (rebinding) cannot slip through. TLS still verifies the certificate of the host
name. Redirects are followed by hand (each hop checked the same way, at most
`MAX_REDIRECTS`); the body is read up to the image byte limit and no further; one deadline
covers the whole fetch. Every failure is the caller's input problem: a clear 4xx.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import time
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpcore

from service.kit.errors import PayloadTooLarge, Unprocessable

MAX_REDIRECTS = 3
MAX_URL_LENGTH = 2048
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
USER_AGENT = "trustd-image-fetch/1"


SocketOption = tuple[int, int, int] | tuple[int, int, bytes | bytearray] | tuple[int, int, None, int]


class BlockedAddress(httpcore.ConnectError):
    """The host resolves to an address this server must not connect to."""


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address):
        mapped = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if mapped is not None:
            return is_public(str(mapped))
    return bool(ip.is_global and not ip.is_multicast)


class _GuardedBackend(httpcore.SyncBackend):
    """Resolves, checks every address, then connects to a checked one."""

    def __init__(self, allow_private: bool) -> None:
        self._allow_private = allow_private

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None,
                    socket_options: Iterable[SocketOption] | None = None,
                    ) -> httpcore.NetworkStream:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}") from exc
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        if not addresses:
            raise httpcore.ConnectError(f"cannot resolve {host}")
        blocked = [a for a in addresses if not is_public(a)]
        if blocked and not self._allow_private:
            raise BlockedAddress(f"{host} resolves to a non-public address")
        return super().connect_tcp(addresses[0], port, timeout, local_address, socket_options)


@dataclass(frozen=True)
class FetchedImage:
    data: bytes
    final_url: str


class ImageFetcher:
    """Blocking fetcher; call it from a worker thread, never on the event loop."""

    def __init__(self, max_bytes: int, timeout_seconds: float, allow_private: bool = False,
                 ssl_context: ssl.SSLContext | None = None) -> None:
        self.max_bytes = max_bytes
        self.timeout = timeout_seconds
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context or ssl.create_default_context(), max_connections=16,
            network_backend=_GuardedBackend(allow_private), retries=0)

    def close(self) -> None:
        self._pool.close()

    def fetch(self, url: str, index: int = 0) -> FetchedImage:
        deadline = time.monotonic() + self.timeout
        current = _checked_url(url, index)
        for _ in range(MAX_REDIRECTS + 1):
            status, location, data = self._get(current, index, deadline)
            if status in _REDIRECTS and location:
                current = _checked_url(urljoin(current, location), index)
                continue
            if status != 200:
                raise Unprocessable(f"images[{index}].url answered HTTP {status}",
                                    code="image_url_status", index=index)
            return FetchedImage(data, current)
        raise Unprocessable(f"images[{index}].url redirects more than {MAX_REDIRECTS} times",
                            code="image_url_redirects", index=index)

    def _get(self, url: str, index: int, deadline: float) -> tuple[int, str | None, bytes]:
        left = deadline - time.monotonic()
        if left <= 0:
            raise _timeout(index)
        timeouts = {"connect": left, "read": left, "write": left, "pool": left}
        try:
            with self._pool.stream("GET", url, headers=[(b"User-Agent", USER_AGENT.encode()),
                                                        (b"Accept", b"image/*")],
                                   extensions={"timeout": timeouts}) as response:
                location = _header(response.headers, b"location")
                if response.status != 200:
                    return response.status, location, b""
                declared = _header(response.headers, b"content-length")
                if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
                    raise _too_large(index, self.max_bytes)
                chunks, size = [], 0
                for chunk in response.iter_stream():
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise _too_large(index, self.max_bytes)
                    if time.monotonic() > deadline:
                        raise _timeout(index)
                    chunks.append(chunk)
                return 200, location, b"".join(chunks)
        except BlockedAddress as exc:
            raise Unprocessable(f"images[{index}].url points to a non-public address",
                                code="image_url_forbidden", index=index) from exc
        except httpcore.TimeoutException as exc:
            raise _timeout(index) from exc
        except (httpcore.NetworkError, httpcore.ProtocolError, httpcore.UnsupportedProtocol,
                ssl.SSLError) as exc:
            raise Unprocessable(f"images[{index}].url could not be fetched",
                                code="image_url_unreachable", index=index) from exc


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> str | None:
    for key, value in headers:
        if key.lower() == name:
            return value.decode("latin-1").strip()
    return None


def _checked_url(url: object, index: int) -> str:
    if not isinstance(url, str) or not url or len(url) > MAX_URL_LENGTH:
        raise Unprocessable(f"images[{index}].url must be an http(s) URL of at most "
                            f"{MAX_URL_LENGTH} characters", code="invalid_image_url", index=index)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Unprocessable(f"images[{index}].url must be an http or https URL with a host",
                            code="invalid_image_url", index=index)
    if parts.username or parts.password:
        raise Unprocessable(f"images[{index}].url must not carry credentials",
                            code="invalid_image_url", index=index)
    return url


def _timeout(index: int) -> Unprocessable:
    return Unprocessable(f"images[{index}].url did not answer in time",
                         code="image_url_timeout", index=index)


def _too_large(index: int, max_bytes: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"images[{index}]: larger than the limit of {max_bytes} bytes",
                           code="image_too_large", index=index)
