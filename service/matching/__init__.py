"""Matching domain: listing photos against the enrolled genuine catalog."""
