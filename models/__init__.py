"""The ML and scoring core: pure functions and loaded artifacts, no web code."""
