"""Trust badges: Ed25519-signed tokens, SVG and shields.io badges, QR and the public seller page."""
