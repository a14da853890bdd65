"""Seller networks: compact prints of what sellers post, near-duplicate keys, link strength.

Pure functions over plain data; service/networks stores prints and finds links with them.
"""
