"""Calibrate when two listing photos are "the same photo" for seller links.

Command (from the repo root)::

    nice -n 10 python -P -m training.calibrate_networks --seeds 0 1 --products 40 \
        --phone-shots 4000

For each seed's copy-detection sources (trustdata.copydetect: package photo tiles and
generated product shots, the dev set's catalog and distractors together), the whole-photo
print (PDQ and pHash) is taken exactly as listing scoring takes it: JPEG bytes decoded for
the hash stage, the hash stage's "full" region (models/networks/prints.py).

Positives: every source against each of its mild repost edits (recompression, resize,
colour, noise, blur, overlays, banners, stickers, padding, 10 % border crops) and against
small border crops of 1, 2 and 3 % (an agent trimming a supplier's photo). Negatives: every
pair of distinct sources, product shots on plain backgrounds included, which look alike to
perceptual hashes. Prints below the usable PDQ quality never link and are counted apart.

The rule it calibrates (models/networks/rules.py): two prints are the same photo when
pHash <= PHASH and PDQ <= PDQ, and, where both carry colour, their hues are within
HUE_MAX_DEGREES (models/networks/prints.hue_distance). The hue table gives, per candidate
bound, the share of each edit's hash-accepted copies the hue check would part (it must part
none, filters included) and the share of distinct sources it would part.

pHash (64 bits) carries small crops that move PDQ's 256 bits by 40-70; PDQ alone keeps
photos whose pHash agrees by chance apart. It prints, for each candidate pair of distances,
the wrong pairs (negatives) accepted and the share of each edit accepted; the served
distances must accept no negative with a margin.

Close copies (rules.CLOSE_COPY_PDQ: how close two sellers' prints of one group must be for a
lone shared photo to link them): generated product shots as a phone takes them
(trustdata.supplynet.photos.phone_look; seeds of their own, far from every network's), every
pair the photo rule calls one photo although the shots are distinct (look-alike products
posed alike), against the share of each edit's accepted copies within each candidate
distance. Figures of the last run: reports/networks/calibration.md.
"""

from __future__ import annotations

import argparse
import io
import random
from collections import defaultdict
from collections.abc import Callable

import numpy as np
from PIL import Image
from tqdm import tqdm
from trustdata.copydetect.build import split_sources
from trustdata.copydetect.sources import product_shot
from trustdata.copydetect.transforms import MILD
from trustdata.supplynet.photos import phone_look

from models.hashing.analysis import analyse_query
from models.hashing.decode import decode_for_matching
from models.hashing.kinds import hamming
from models.networks.prints import PhotoPrint, hue_distance, same_photo, whole_print
from models.networks.rules import PDQ_MAX_DISTANCE, PHASH_MAX_DISTANCE

HUE_CANDIDATES = (20, 30, 45, 60, 90)
PHASH_CANDIDATES = (4, 6, 7, 8, 10)
PDQ_CANDIDATES = (31, 48, 56, 64, 72)
CLOSE_CANDIDATES = (16, 20, 24, 28, 32)
PHONE_SHOT_SEED = 500_000_000  # far from the copy-detection splits' and the networks' seeds
Edit = Callable[[Image.Image, random.Random], Image.Image]


def print_of(img: Image.Image, quality: int = 85) -> PhotoPrint | None:
    buf = io.BytesIO()
    img.convert("RGB").save(buf, "JPEG", quality=quality)
    return whole_print(analyse_query(decode_for_matching(buf.getvalue()), local=False).hashes)


def border_crop(share: float) -> Edit:
    def crop(img: Image.Image, rng: random.Random) -> Image.Image:
        lx, ty = share * rng.random(), share * rng.random()
        w, h = img.size
        return img.crop((int(lx * w), int(ty * h), int(w - (share - lx) * w),
                         int(h - (share - ty) * h)))
    return crop


def pair_distances(prints: list[PhotoPrint]) -> tuple[np.ndarray, np.ndarray]:
    """PDQ and pHash distances of every pair of distinct prints."""
    def matrix(codes: list[bytes], bits: int) -> np.ndarray:
        b = np.unpackbits(np.frombuffer(b"".join(codes), dtype=np.uint8)).reshape(
            len(codes), bits).astype(np.int32)
        return b @ (1 - b).T + (1 - b) @ b.T
    upper = np.triu_indices(len(prints), 1)
    return (matrix([p.pdq for p in prints], 256)[upper],
            matrix([p.phash for p in prints], 64)[upper])


def look_alike_distances(shots: int) -> list[int]:
    """PDQ distances of the pairs of distinct phone shots the photo rule calls one photo."""
    prints = []
    for k in tqdm(range(shots), desc="phone shots"):
        seed = PHONE_SHOT_SEED + k
        p = print_of(phone_look(product_shot(seed, 720), random.Random(f"phone/{seed}")), 90)
        if p is not None and p.usable:
            prints.append(p.code)
    pdq, phash = pair_distances([PhotoPrint(c[:32], c[32:40], 100) for c in prints])
    upper = np.triu_indices(len(prints), 1)
    found = []
    for n in np.flatnonzero((phash <= PHASH_MAX_DISTANCE) & (pdq <= PDQ_MAX_DISTANCE)):
        d = same_photo(prints[upper[0][n]], prints[upper[1][n]])  # the hue check too
        if d is not None:
            found.append(d)
    return sorted(found)


def close_copy_table(accepted: dict[str, list[int]], look_alike: list[int]) -> None:
    names = sorted(accepted)
    print(f"\nclose copies: {len(look_alike)} pairs of distinct phone shots are one photo to "
          f"the rule, at PDQ {look_alike}")
    print("close PDQ | look-alike pairs within | " + " | ".join(names))
    for bound in CLOSE_CANDIDATES:
        shares = [f"{np.mean(np.array(accepted[n]) <= bound) * 100:.0f}%" if accepted[n]
                  else "-" for n in names]
        print(f"{bound} | {sum(d <= bound for d in look_alike)} | " + " | ".join(shares))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--products", type=int, default=40)
    parser.add_argument("--phone-shots", type=int, default=4000,
                        help="generated phone shots searched for look-alike pairs (0: none)")
    args = parser.parse_args()
    accepted: dict[str, list[int]] = defaultdict(list)  # PDQ of copies the rule accepts
    edits: dict[str, Edit] = {f"crop{round(s * 100)}": border_crop(s) for s in (0.01, 0.02, 0.03)}
    positives: dict[str, list[tuple[int, int]]] = defaultdict(list)
    hues: dict[str, list[float]] = defaultdict(list)  # hash-accepted copies with colour
    neg_pdq, neg_phash, unusable = [], [], 0
    neg_hue: list[float | None] = []
    for seed in args.seeds:
        split = split_sources(seed, args.products)
        fillers = [f.image for f in split.fillers]
        for t in MILD:
            edits[t.name] = (lambda fn, fl: lambda img, rng: fn(img, rng, fl))(t.fn, fillers)
        prints = []
        for src in tqdm(split.catalog + split.distractors, desc=f"seed {seed}"):
            base = print_of(src.image)
            if base is None or not base.usable:
                unusable += 1
                continue
            prints.append(base)
            for name, edit in edits.items():
                edited = print_of(edit(src.image, random.Random(f"{seed}/{name}/{src.name}")))
                if edited is None or not edited.usable:
                    positives[name].append((999, 999))  # never links: counted as missed
                    continue
                d_pdq, d_phash = hamming(base.pdq, edited.pdq), hamming(base.phash, edited.phash)
                positives[name].append((d_pdq, d_phash))
                if same_photo(base.code, edited.code) is not None:
                    accepted[name].append(d_pdq)
                hue = hue_distance(base.colour, edited.colour)
                if hue is not None and d_pdq <= PDQ_MAX_DISTANCE and d_phash <= PHASH_MAX_DISTANCE:
                    hues[name].append(hue)
        pdq, phash = pair_distances(prints)
        neg_hue += [hue_distance(a.colour, b.colour)
                    for i, a in enumerate(prints) for b in prints[i + 1:]]
        neg_pdq.append(pdq)
        neg_phash.append(phash)
    n_pdq, n_phash = np.concatenate(neg_pdq), np.concatenate(neg_phash)
    print(f"\nsources with unusable prints: {unusable}; negative pairs: {len(n_pdq)}; "
          f"closest negatives: PDQ {n_pdq.min()}, pHash {n_phash.min()}, "
          f"PDQ among pHash <= 10: {n_pdq[n_phash <= 10].min(initial=256)}")
    names = sorted(positives)
    print("pHash | PDQ | negatives accepted | " + " | ".join(names))
    for ph in PHASH_CANDIDATES:
        for pq in PDQ_CANDIDATES:
            wrong = int(((n_phash <= ph) & (n_pdq <= pq)).sum())
            shares = []
            for name in names:
                d = np.array(positives[name])
                shares.append(f"{np.mean((d[:, 1] <= ph) & (d[:, 0] <= pq)) * 100:.0f}%")
            print(f"{ph} | {pq} | {wrong} | " + " | ".join(shares))
    coloured = np.array([h for h in neg_hue if h is not None])
    print(f"\nhue check: distinct pairs with colour in both {len(coloured)} of {len(neg_hue)}; "
          f"hash-accepted copies with colour: "
          + ", ".join(f"{n} {len(hues[n])}" for n in names))
    print("hue max | distinct pairs parted | copies parted: " + " | ".join(names))
    for bound in HUE_CANDIDATES:
        parted = [f"{np.mean(np.array(hues[n]) > bound) * 100:.1f}%" if hues[n] else "-"
                  for n in names]
        print(f"{bound} | {np.mean(coloured > bound) * 100:.0f}% | " + " | ".join(parted))
    print("largest copy hue distance per edit: " + ", ".join(
        f"{n} {max(hues[n]):.1f}" for n in names if hues[n]))
    if args.phone_shots:
        close_copy_table(accepted, look_alike_distances(args.phone_shots))


if __name__ == "__main__":
    main()
