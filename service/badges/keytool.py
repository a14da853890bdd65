"""Badge signing keys for operators.

    python -P -m service.badges.keytool new --out keys.json       # a fresh ring (0600 file)
    python -P -m service.badges.keytool rotate --file keys.json   # new signer, old keys verify
    python -P -m service.badges.keytool public --file keys.json   # public JWKs, safe to share

Put the file's content in TRUST_BADGE_SIGNING_KEYS (a secret store) for production. After a
rotation every worker must receive the new ring; tokens signed by the old key keep verifying
until they expire.
"""

from __future__ import annotations

import argparse
import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from service.badges.keyring import KeyRing, SigningKey


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    path.chmod(0o600)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="keytool", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    new = sub.add_parser("new")
    new.add_argument("--out", type=Path, required=True)
    for name in ("rotate", "public"):
        cmd = sub.add_parser(name)
        cmd.add_argument("--file", type=Path, required=True)
    parser.add_argument("--ttl-days", type=int, default=30, help="badge token lifetime")
    args = parser.parse_args(argv)
    now = datetime.now(UTC)
    ttl = timedelta(days=args.ttl_days)
    if args.command == "new":
        if args.out.exists():
            parser.error(f"{args.out} exists; use rotate")
        ring = KeyRing([SigningKey.generate(now)], ttl)
        _write_private(args.out, ring.to_json())
        print(f"wrote a key ring with signing key {ring.active.kid} to {args.out}")
        return
    ring = KeyRing.from_json(args.file.read_text(encoding="utf-8"), ttl)
    if args.command == "rotate":
        rotated = ring.rotate(now)
        _write_private(args.file, rotated.to_json())
        print(f"signing key is now {rotated.active.kid}; {ring.active.kid} verifies until expiry")
    else:
        print(json.dumps({"keys": ring.public_keys(now)}, indent=2))


if __name__ == "__main__":
    main()
