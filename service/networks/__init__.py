"""Seller networks: prints of what sellers post, groups of near-identical posts, and the
links between sellers who post the same rare photos or captions."""
