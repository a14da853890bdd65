"""The moderator console: server-rendered pages over the review domain, for people who sign
in with a password (accounts of their own, not API keys)."""
