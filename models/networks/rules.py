"""The numbers that decide when two posts are the same, in one place.

PDQ_MAX_DISTANCE was calibrated by training/networks/calibrate_prints.py (the command and
its figures are in that script's docstring): whole-photo PDQ of the copy-detection dev
set's sources against their mild repost edits, and of every pair of distinct sources.
"""

from __future__ import annotations

# Two whole-photo prints are the same photo when their pHash (64 bits) and their PDQ (256
# bits) are both within these Hamming distances, and both are of usable quality.
PHASH_MAX_DISTANCE = 8
PDQ_MAX_DISTANCE = 64
# Prints whose PDQ quality (0-100) is below this are stored but never link: flat, nearly
# empty photos (a white background) hash alike whatever they show.
PDQ_MIN_QUALITY = 50
# Two captions are the same caption when the Jaccard similarity of their character
# shingles, as MinHash estimates it (models/networks/captions.py), is at least this.
CAPTION_MIN_JACCARD = 0.7
# Captions with fewer shingles than this after normalisation get no fingerprint: "DM me",
# "in stock" say nothing about who wrote them.
CAPTION_MIN_SHINGLES = 12
# Character shingle length for the caption fingerprint.
CAPTION_SHINGLE = 3
