"""A webhook receiver for local testing: verifies signatures, refuses replays, logs events.

    python -P -m service.webhooks.receiver --secret whsec_... --port 9000

`--fail N` answers the first N deliveries with 500 to watch the sender retry. Tests use
`WebhookReceiver` in-process the same way.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from service.webhooks.signing import (
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    InvalidSignatureError,
    ReplayGuard,
    verify_signature,
)


@dataclass
class Received:
    delivery_id: str | None
    status: int
    verified: bool
    reason: str | None
    event: dict[str, Any] | None


@dataclass
class WebhookReceiver:
    """Serves on 127.0.0.1; `statuses` scripts the answers (then 200 for the rest)."""

    secret: str = ""
    statuses: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    guard: ReplayGuard = field(default_factory=ReplayGuard)
    port: int = 0  # 0: any free port

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/hook"

    def start(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def handle(self, body: bytes, headers: dict[str, str]) -> Received:
        delivery_id = headers.get(DELIVERY_HEADER.lower())
        try:
            verify_signature(self.secret, headers.get(SIGNATURE_HEADER.lower()), body, time.time())
        except InvalidSignatureError as exc:
            return Received(delivery_id, 401, False, exc.reason, None)
        with self._lock:
            if self.statuses:
                status = self.statuses.pop(0)
                # A failed delivery will come again: only a 2xx marks the id as seen.
                return Received(delivery_id, status, True, "scripted failure", json.loads(body))
            if delivery_id is None or not self.guard.first_time(delivery_id):
                return Received(delivery_id, 409, True, "replay", None)
        return Received(delivery_id, 200, True, None, json.loads(body))

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                headers = {k.lower(): v for k, v in self.headers.items()}
                result = receiver.handle(body, headers)
                with receiver._lock:
                    receiver.received.append(result)
                self.send_response(result.status)
                self.end_headers()
                self.wfile.write(json.dumps({"ok": result.status == 200}).encode())

            def log_message(self, format: str, *args: Any) -> None:
                return

        return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--port", type=int, default=9000)
    parser.add_argument("--fail", type=int, default=0)
    args = parser.parse_args()
    receiver = WebhookReceiver(secret=args.secret, statuses=[500] * args.fail, port=args.port)
    print(f"listening on {receiver.url}")
    try:
        seen = 0
        receiver.start()
        while True:
            time.sleep(0.5)
            for item in receiver.received[seen:]:
                print(json.dumps({"status": item.status, "verified": item.verified,
                                  "reason": item.reason, "event": item.event}))
            seen = len(receiver.received)
    except KeyboardInterrupt:
        receiver.stop()


if __name__ == "__main__":
    main()
