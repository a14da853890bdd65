"""Every decision threshold the service applies, as named constants in one place.

Sections are owned by the domain named in their heading. Values that were calibrated
say on what data and by which script, so a change is a re-run, not a guess.
"""


# --- Seller reputation (owner: models/reputation) -----------------------------------------
# Hand-set, not fitted: there is no labelled feedback stream yet. Each value is exercised by the
# seeded simulations in tests/models/reputation/; the formulas are in models/reputation/README.md.
REPUTATION_HALF_LIFE_DAYS = 180.0  # star ratings and reports lose half their weight in this time
REPUTATION_CONFIRMED_HALF_LIFE_DAYS = 365.0  # moderator-confirmed counterfeits fade slower
REPUTATION_PRIOR_ALPHA = 2.0  # Beta prior: mean 2/3, worth three reviews
REPUTATION_PRIOR_BETA = 1.0
REPUTATION_LOWER_BOUND_QUANTILE = 0.05  # lower confidence bound = 5 % quantile of the posterior
REPUTATION_COUNTERFEIT_REPORT_WEIGHT = 8.0  # one report weighs as much as eight one-star ratings
REPUTATION_CONFIRMED_COUNTERFEIT_WEIGHT = 25.0
REPUTATION_NOT_AS_DESCRIBED_WEIGHT = 1.0  # extra negative mass when as_described is False
REPUTATION_UNVERIFIED_ORDER_FACTOR = 0.5  # orders the platform did not attest (public form)
REPUTATION_CREDIBILITY_FLOOR = 0.1  # weight of a buyer with no history at all
REPUTATION_HISTORY_SCALE_ORDERS = 4.0  # e-folding count of effective orders with other sellers
REPUTATION_ORDERS_PER_SELLER_CAP = 3  # orders counted per other seller (diversity)
REPUTATION_TENURE_SCALE_DAYS = 30.0  # e-folding time since the buyer was first seen
REPUTATION_ACCOUNT_AGE_SCALE_DAYS = 90.0  # e-folding account age, when the platform gives it
REPUTATION_NEW_BUYER_ESTABLISHMENT = 0.3  # below this a buyer counts as new for bursts
REPUTATION_BURST_WINDOW_HOURS = 72.0
REPUTATION_BURST_ALLOWANCE = 3.0  # new-buyer feedback per window that keeps full weight
REPUTATION_VALUE_EXPONENT = 0.5  # value factor = (value / seller median) ** exponent, clipped
REPUTATION_VALUE_FACTOR_MIN = 0.25
REPUTATION_VALUE_FACTOR_MAX = 4.0
REPUTATION_NEW_MAX_EVIDENCE = 3.0  # below this effective evidence the tier is `new`
REPUTATION_SILVER_MIN_LOWER_BOUND = 0.75
REPUTATION_SILVER_MIN_EVIDENCE = 8.0
REPUTATION_GOLD_MIN_LOWER_BOUND = 0.88
REPUTATION_GOLD_MIN_EVIDENCE = 25.0
REPUTATION_WARNING_CONFIRMED_MIN = 0.5  # decayed confirmed-counterfeit count
REPUTATION_WARNING_REPORT_MIN_MASS = 1.5  # credibility-weighted counterfeit reports
REPUTATION_WARNING_REPORT_SHARE = 0.04  # of the value-weighted feedback mass
REPUTATION_WARNING_MAX_SCORE = 0.5  # posterior mean below this, with enough evidence

# --- Listing risk (owner: models/risk/) ---------------------------------------------------
# Chosen on the calibration sellers of the generated listing set's train split (never the
# test split) from the operating-point table printed by `python -P -m training.train_risk`
# (risk-v1: at 0.95 precision 0.991 / recall 0.61, at 0.30 recall 0.89; risk-v2 on the
# caption-bank listings: at 0.95 precision 0.985 / recall 0.58, at 0.30 recall 0.93; the served
# risk-v3 on those listings with network signals: at 0.95 precision 0.986 / recall 0.67, at
# 0.30 recall 0.94).
# A platform may override RISK_REVIEW_AT and RISK_BLOCK_AT; the levels are not per platform.
RISK_REVIEW_AT = 0.30  # risk >= this: decision `review` (unless it reaches the block threshold)
RISK_BLOCK_AT = 0.95  # risk >= this: decision `block`
RISK_LEVEL_MEDIUM_AT = 0.30  # risk >= this: level `medium`
RISK_LEVEL_HIGH_AT = 0.80  # risk >= this: level `high`
# A block needs grounds beyond the caption's wording (scoring.block_grounds): a brand named at
# under this share of the lowest genuine new price counts as price evidence.
RISK_BRAND_PRICE_GAP_RATIO = 1 / 3
# Explicit counterfeit language may ground a block alone, when the caption model agrees.
RISK_EXPLICIT_LANGUAGE_MIN_PROBABILITY = 0.5
RISK_REASON_MIN_ABS_CONTRIBUTION = 0.05  # log-odds; smaller contributions are not listed
# A listing photo matching a known-counterfeit bank entry at least this surely is never
# allowed unseen: a moderator already judged that photo counterfeit, so a person looks
# (scoring.known_photo_floor). The bank matcher's confidence is above 0.5 exactly when its
# rule, calibrated for zero wrong matches (models/banks/acceptance.py,
# models/artifacts/bank-acceptance-v1), accepts the match, so every accepted match counts:
# the crops and screenshots agents post match at 0.5-0.8, and they are the reposts this is
# for. The learned weight alone leaves an otherwise clean listing below RISK_REVIEW_AT: on
# the generated listings a bank match is wrong often enough (reposts before an appeal,
# banked official photos of products the catalog lacks) that the data does not say
# "counterfeit" on its own (reports/risk/network.md); a review is the human check for those.
RISK_KNOWN_PHOTO_REVIEW_CONFIDENCE = 0.5


# --- Captions (owner: models/text, the caption classifier) --------------------------------
# Calibrated counterfeit probability at or above which a caption is labelled "counterfeit".
# The probability is Platt-calibrated on the dev split (training/train_captions_select.py),
# so 0.5 is the point where counterfeit becomes the more likely reading.
CAPTION_COUNTERFEIT_PROBABILITY = 0.5
# Request limits for POST /v1/captions/classify.
CAPTION_MAX_TEXTS = 256
CAPTION_MAX_CHARS = 4000


# --- Image matching: hash stage (owner: models/hashing) -----------------------------------
# Pair score = d_phash + d_dhash + min(d_pdq, CAP) / DIVISOR (see models/hashing/matcher.py).
MATCH_PDQ_SCORE_CAP = 96  # PDQ distance counted up to this; no usable PDQ = the cap
MATCH_PDQ_SCORE_DIVISOR = 8  # 256 PDQ bits weigh like 32 pHash bits
MATCH_PDQ_MIN_QUALITY = 50  # PDQ hashes below this quality (0-100) are not used to match
MATCH_MIN_INFORMATION = 25  # regions/views whose PDQ quality is below this are not matched at
#                             all: flat crops of studio backgrounds collide across products
# PDQ's published near-duplicate distance: a match whose PDQ distance is within it is
# reported as carried by PDQ (Match.hash_kind), otherwise by the closer of pHash and dHash.
MATCH_PDQ_MAX_DISTANCE = 31
# A photo whose 16x16 luma thumbnail varies less than this (standard deviation, grey levels)
# shows nothing at hash scale (models/hashing/detail.py): the two empty background quadrants
# of scikit-image's `cell` sample measure 2.4 and 2.9, and after a blur each matches the
# other; the next-flattest packaged photo tile measures 6.4 (stars on black). Such catalog
# uploads carry a `low_detail` warning, and the copy-detection dev set does not enrol them.
MATCH_CONTENT_FREE_DETAIL = 4.0
# Hash qualities (the information floor and PDQ's usability above) are rated as if a photo
# whose 1st-99th percentile luma range is narrower than MATCH_INFORMATION_RANGE spanned that
# range, up to MATCH_INFORMATION_MAX_GAIN times its own contrast (models/hashing/detail.py):
# a colour edit of brightness and contrast 0.6 each leaves 0.36 of the range, and a quarter
# of the dev set's catalog photos span under 135 grey levels (pale products on white).
# Chosen before calibration, not fitted: the hashes themselves do not change.
MATCH_INFORMATION_RANGE = 128
MATCH_INFORMATION_MAX_GAIN = 4.0


# --- Image matching: local-feature verification and acceptance ----------------------------
# ORB keypoints + RANSAC similarity fit (models/hashing/local.py); acceptance at the end.
LOCAL_CATALOG_SIDE = 640  # catalog photos are described at this long side
# Catalog photos are decoded (JPEG: DCT-scaled; others: box-reduced) to a long side of at
# least this before enrolment: every view is cut from a copy of at most LOCAL_CATALOG_SIDE,
# and a 6000x6000 upload need not be held at full size while its evidence is computed.
CATALOG_DECODE_SIDE = 2 * LOCAL_CATALOG_SIDE
LOCAL_CATALOG_FEATURES = 500  # keypoints per catalog photo, and as many again for its mirror
LOCAL_QUERY_MIN_SIDE = 512  # queries are rescaled so their long side lies in [MIN, MAX]:
LOCAL_QUERY_MAX_SIDE = 1024  # a 3x3 grid cell then still spans ~300 px
LOCAL_QUERY_FEATURES = 2000  # keypoints per query, spread over an 8x8 grid
LOCAL_MAX_DESCRIPTOR_DISTANCE = 64  # of 256 bits; farther nearest neighbours are no match
LOCAL_RATIO = 0.8  # Lowe's ratio vs the nearest descriptor of another catalog image
LOCAL_MIN_CANDIDATE_MATCHES = 6  # ratio-test survivors needed before a RANSAC fit
LOCAL_RANSAC_PIXELS = 6.0  # reprojection tolerance, query pixels at its working scale
LOCAL_MIN_OVERLAP = 0.2  # share of the catalog thumbnail the fit must place inside the query
# Candidate retrieval for the local stage (models/descriptor): only the catalog images whose
# enrolled views are among the nearest to a descriptor of the query or of one of its
# recovered regions are verified with keypoints (with the hash stage's best finds), so
# the keypoint stage's cost does not grow with the catalog.
DESCRIPTOR_TOP_K = 16  # catalog images verified per query photo, by descriptor similarity
# The hash stage's matches verified with keypoints, best pair scores first. In a catalog
# of 100,000 photos a query's hash matches within the served bound are mostly look-alikes
# (p99 250, grids ~340: reports/matching/SCALE.md), each costing a keypoint fit; a copy's own
# photo scores among the best, and the descriptor proposes its own DESCRIPTOR_TOP_K.
VERIFY_HASH_MATCHES = 16
DESCRIPTOR_MAX_REGIONS = 10  # descriptors per query photo: the whole photo and nine grid cells
# A query this elongated (long side over short) is also described through square windows of
# its short side slid along the long one: a phone screenshot whose photo spans the width but
# whose edges region recovery cannot find (a white product shot on a light theme).
DESCRIPTOR_WINDOW_ELONGATION = 1.4
DESCRIPTOR_WINDOWS = 4  # on top of DESCRIPTOR_MAX_REGIONS
# Below this many catalog images a query is not described and its keypoints are searched
# against the whole catalog: that search costs ~0.7 ms a catalog image (69 ms at 104,
# reports/matching/paths-holdout3.md), describing a photo 30 ms and a nine-photo grid ~200 ms,
# so candidates pay off from a few hundred images on. Quality was the same either way at 104.
DESCRIPTOR_MIN_CATALOG = 300
# What the keypoint stage is assumed to cost a listing photo before this process has timed it
# (service/listings/inline.py): benchmarks/bench_match_api.py measured 555 ms for nine
# photos against 53.5 ms for their hash stage alone, ~55 ms a photo on this machine.
LISTING_LOCAL_MS_PER_PHOTO_PRIOR = 55.0
# Catalog photos whose keypoints a service worker keeps in memory (models/hashing/
# keypoints.py); the rest stay in the database and are read when they are candidates. One
# photo's keypoints take ~49 KB, so 1,000 take ~52 MB (benchmarks/bench_keypoint_memory.py):
# 0.5 KB a photo at 100,000 photos, of the 8 KB a photo a worker may spend. That is over 3x
# DESCRIPTOR_MIN_CATALOG, so a catalog searched whole stays resident, and the candidates of
# ~50 query photos (DESCRIPTOR_TOP_K plus the hash stage's finds), so a burst of listings
# of one product reads its photos once.
LOCAL_CACHE_IMAGES = 1000
# Which matches are accepted is decided by one calibrated model,
# models/artifacts/match-acceptance-v8 (models/hashing/acceptance.py; fitted by
# training/calibrate_matching.py, its card in the artifact's README.md). Its weakest hash
# knot is the hash stage's search bound and its weakest inlier knot the fewest inliers the
# local stage reports. The rules and thresholds it replaced, and how each was calibrated:
# reports/matching/CALIBRATION.md.
