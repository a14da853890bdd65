"""Held-out retrieval of descriptor artifacts side by side (build_descriptor's evaluation set).

Catalog: the held-out sources (package photos held out by name, product shots of seeds no
training uses) plus 300 distractor products, each enrolled as the photo and its mirror.
Queries: every repost edit of trustdata.copydetect.transforms applied to each held-out
source, described whole (no region recovery: the serving path's regions are measured by
training.evaluate_matching_paths and benchmarks/bench_descriptor_scale.py).
"""

from __future__ import annotations

import random
from collections.abc import Mapping

import numpy as np
from PIL import Image
from trustdata.copydetect.transforms import ALL

from models.descriptor.model import Descriptor
from training.build_descriptor import BuildConfig, _time_one, evaluate, sources

time_one = _time_one


def held_out_eval(descriptors: Mapping[str, Descriptor], cfg: BuildConfig,
                  ) -> dict[str, dict[str, object]]:
    """{name: recall figures (all queries, and photo / product queries apart)}."""
    _, evals, distractors, _, fillers = sources(cfg)
    cat_imgs: list[Image.Image] = []
    cat_src: list[int] = []
    for i, s in enumerate([*evals, *distractors]):
        cat_imgs += [s.image, s.image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)]
        cat_src += [i, i]
    queries: list[Image.Image] = []
    q_src: list[int] = []
    q_kind: list[str] = []
    q_family: list[str] = []
    for t in ALL:
        for i, s in enumerate(evals):
            rng = random.Random(f"{cfg.seed}/eval/{t.name}/{s.name}")
            queries.append(t.fn(s.image, rng, fillers).convert("RGB"))
            q_src.append(i)
            q_kind.append(t.name)
            q_family.append(t.family)
    is_photo = np.array([evals[i].name.startswith("photo-") for i in q_src])
    out: dict[str, dict[str, object]] = {}
    for name, descriptor in descriptors.items():
        catalog = descriptor.describe(cat_imgs)
        query = descriptor.describe(queries)
        result = evaluate(query, np.array(q_src), q_kind, q_family, catalog, np.array(cat_src))
        for part, mask in (("photo_queries", is_photo), ("product_queries", ~is_photo)):
            sub = evaluate(query[mask], np.array(q_src)[mask],
                           [k for k, m in zip(q_kind, mask, strict=True) if m],
                           [f for f, m in zip(q_family, mask, strict=True) if m],
                           catalog, np.array(cat_src))
            result[part] = {k: v for k, v in sub.items() if k != "per_edit_recall_at_10"}
        out[name] = result
    return out
