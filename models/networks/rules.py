"""The numbers that decide when two posts are the same, in one place.

The photo distances were calibrated by training/calibrate_networks.py (seeds 0 and 1, 40
products each; figures in reports/networks/calibration.md): whole-photo prints of the
copy-detection dev set's sources against their repost edits, and every pair of distinct
sources (15,135 pairs). The closest distinct pair is at pHash 10 and PDQ 74; at pHash <= 7
and PDQ <= 56 no distinct pair is accepted, with 3 and 18 bits of margin, while 100 % of
recompressions, resizes, blurs and noise, 98 % of 2 % border crops and 80 % of 3 % crops
are. pHash 8 would take 91 % of 3 % crops, at eight times the buckets searched (sub-radius
2 instead of 1 of models/hashing/index.py's four 16-bit chunks): not worth it in the
scoring request.
Deeper crops, padding and banners are left to the known-counterfeit bank, whose
matching pipeline recovers regions; a whole-photo print cannot.
"""

from __future__ import annotations

# Two whole-photo prints are the same photo when their pHash (64 bits) and their PDQ (256
# bits) are both within these Hamming distances, and both are of usable quality.
PHASH_MAX_DISTANCE = 7
PDQ_MAX_DISTANCE = 56
# Where both prints carry colour (models/networks/prints.py: hue_distance), their hues,
# over the 4x4 cells with at least HUE_MIN_CHROMA CIELAB chroma in both (HUE_MIN_CELLS or
# more), must be within HUE_MAX_DEGREES. Calibrated by training/calibrate_networks.py on the
# same sources (reports/networks/calibration.md): of the copies the hashes accept, none is
# parted at 90 degrees (the farthest: a sticker over a coloured cell at 63, a saturation,
# brightness and contrast filter at 45), while 47 % of the distinct sources with colour in
# both are; at 45 a sticker copy is parted and the filter has no margin.
HUE_MIN_CHROMA = 10.0
HUE_MIN_CELLS = 2
HUE_MAX_DEGREES = 90.0
# Prints whose PDQ quality (0-100) is below this are stored but never link: flat, nearly
# empty photos (a white background) hash alike whatever they show.
PDQ_MIN_QUALITY = 50
# Two captions are the same caption when the Jaccard similarity of their character
# shingles, as MinHash estimates it (models/networks/captions.py), is at least this.
CAPTION_MIN_JACCARD = 0.7
# A caption says who wrote it only when it is long enough: "DM me", "in stock", "Interested?
# DM for price" are stock phrases strangers share (in the supplier-network simulation that
# last one was posted by 17 honest sellers and 27 agents, under any cap that still links a
# supplier's agents). Length is weighed in letters and digits after normalisation, a CJK
# character counting as two (it carries about a word: "微商拿货" is "wholesale from a
# reseller"); captions that weigh less get no fingerprint. 26 is a short sentence: 26
# letters, or 13 Chinese characters.
CAPTION_MIN_WEIGHT = 26
# Two captions below CAPTION_MIN_JACCARD but at least this similar are variants of one text
# (a template with its blanks filled in differently: "Selling my <item>, <condition>,
# <reason>. <price>"): they never link, but count towards each other's popularity, so a
# formula many sellers fill in is common however its copies split. Only captions sharing an
# LSH band with it are compared (models/networks/captions.py: a pair at 0.5 shares one with
# p = 0.64, at 0.4 with p = 0.34), which is enough: the formula's many copies chain.
CAPTION_VARIANT_JACCARD = 0.4
# What links two sellers. Each rare group they share (models/networks/strength.py:
# is_link) is specific or weak evidence, and a link needs one specific or WEAK_TO_LINK weak:
# * a photo posted by at most SPECIFIC_PHOTO_SHARE of the cap in sellers (counted over its
#   variants), in close copies (CLOSE_COPY_PDQ), is specific: strangers rarely post the same
#   photo of their own;
# * a photo posted by more is weak: the count is a lower bound (edits the variant views and
#   the shared screenshots' stored content do not recognise go uncounted), so a stock photo
#   just above the cap can be counted just under it and link its posters;
# * a near-identical caption is weak: strangers who write from the same few phrases
#   ("Selling my sneakers, like new, wrong size. 300 rmb") produce one by chance, and a
#   brand's authorised sellers share its template.
# Three weak: an agent copying a supplier carries its captions (and its photos, popular or
# not) on every post, so shares many; two strangers who write from the same phrases, or
# one who also reposts a popular photo, share one or two. A caption's passages (its long
# lines, models/networks/captions.caption_prints) count one each: three lines of one
# caption copied near-identically are no chance resemblance. Chosen on the simulated networks
# of reports/networks/honest-links.md (seeds 21 and 22; seed 23 kept for the check).
SPECIFIC_PHOTO_SHARE = 0.5
# ... and only when the two sellers' prints of it are within CLOSE_COPY_PDQ of each other
# (models/networks/prints.close_copy): the file re-uploaded, resized, recompressed. A looser
# match (a crop, an overlay, or two sellers' own shots of look-alike products posed alike,
# which the whole-photo rule cannot tell from those edits) is weak evidence. Calibrated with
# the photo rule (reports/networks/calibration.md): on 4,000 generated phone shots of
# products, the 9 pairs of distinct shots the rule calls one photo are at PDQ 30-56; copies
# within 24 are 100 % of recompressions, resizes and blurs, 99 % of noise, 97 % of colour
# filters and 1 % border crops, 47 % of 2 % crops. (One pair of look-alike own shots on the
# simulated network of seed 23, known when the value was chosen, is at 26.)
CLOSE_COPY_PDQ = 24
# A caption most of whose sellers (more than this share) posted it beside a photo that
# matched the catalog is the brand's own words (its marketing line, an authorised store's
# template) and links nobody, as the catalog photo it travels with links nobody. A
# supplier's caption travels with the fakes' photos: in the simulated networks, the
# captions only counterfeit sellers share were posted beside a catalog photo in 12-14 % of
# their posts on average.
CATALOG_CAPTION_SHARE = 0.5
WEAK_TO_LINK = 3
# A rare photo the two sellers posted in loose copies only (not within CLOSE_COPY_PDQ) is
# more than a chance caption but less than a link: it counts as this many weak pieces, so
# two of them, or one with a caption, link. One chance look-alike pair among a platform's
# own shots is expected; the same two strangers sharing two, or one and a caption, are not.
# Chosen on the simulated networks of seeds 21-25 (reports/networks/honest-links.md: at 1,
# counterfeit sellers linked within their supplier fell by 7-15 points against the rules
# before close copies; at 2 by 3-11; no honest seller linked at either), then checked on
# seeds 26 and 27, built after it.
LOOSE_PHOTO_PIECES = 2
# Character shingle length for the caption fingerprint.
CAPTION_SHINGLE = 3
