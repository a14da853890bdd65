"""Caption classifier speed: one caption (p50/p95) and batched throughput on this CPU.

    python -P -m benchmarks.bench_captions

Measures the served pipeline (normalise + lexicon + model + calibration) for each trained
model (the template-trained n-gram and encoder models, and the context model), its parts,
and a baseline in the same run: a plain substring keyword filter over the lexicon terms
(what a platform without this service would run). Targets: p50 <= 5 ms for one caption
on one core, >= 1,000 captions/s batched on two.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable, Sequence

import torch
from trustdata.captions.compose import Composer, load_brands, load_templates

from models.text.classifier import ARTIFACTS_ROOT, CaptionClassifier, serving_artifact_dir
from models.text.lexicon import load_default_lexicon
from models.text.normalize import normalize

SINGLE_RUNS = 300
BATCH = 256
BATCH_ROUNDS = 4


def sample_captions(n: int = 1024, seed: int = 3) -> list[str]:
    rng = random.Random(seed)
    composer = Composer("test", rng)
    templates = load_templates()
    brands = [b for b in load_brands() if b.split == "test"]
    groups = list(templates)
    return [composer.fill(rng.choice(templates[g]["test"]), rng.choice(brands))
            for g in (rng.choice(groups) for _ in range(n))]


def keyword_baseline() -> Callable[[Sequence[str]], list[bool]]:
    lexicon = load_default_lexicon()
    terms = [t.lower() for t in lexicon.terms_by_category(evidence_only=True)]

    def run(texts: Sequence[str]) -> list[bool]:
        return [any(term in text.lower() for term in terms) for text in texts]

    return run


def single_latency(fn: Callable[[Sequence[str]], object], captions: list[str]) -> tuple[float,
                                                                                       float]:
    fn(captions[:8])  # warm caches and lazy initialisation
    times = []
    for caption in captions[:SINGLE_RUNS]:
        start = time.perf_counter()
        fn([caption])
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95)]


def throughput(fn: Callable[[Sequence[str]], object], captions: list[str]) -> float:
    fn(captions[:BATCH])
    start = time.perf_counter()
    done = 0
    for round_index in range(BATCH_ROUNDS):
        begin = (round_index * BATCH) % (len(captions) - BATCH)
        fn(captions[begin:begin + BATCH])
        done += BATCH
    return done / (time.perf_counter() - start)


def main() -> None:
    torch.set_num_threads(2)
    captions = sample_captions()
    lexicon = load_default_lexicon()
    served_name = serving_artifact_dir().name
    rows: list[tuple[str, Callable[[Sequence[str]], object]]] = [
        ("baseline: substring keyword filter", keyword_baseline()),
        ("normalise only", lambda texts: [normalize(t) for t in texts]),
        ("normalise + lexicon spans", lambda texts: [lexicon.match(t) for t in texts]),
    ]
    for name in ("caption-ngram-lr", "caption-encoder", "caption-context"):
        classifier = CaptionClassifier.load(ARTIFACTS_ROOT / name)
        label = f"full pipeline, {name}" + (" (served)" if name == served_name else "")
        rows.append((label, classifier.classify))
    results = []
    for label, fn in rows:
        p50, p95 = single_latency(fn, captions)
        results.append((label, p50, p95, throughput(fn, captions)))
    base_p50, base_rate = results[0][1], results[0][3]
    print(f"Caption classification speed ({len(captions)} synthetic test-split captions, "
          f"torch threads {torch.get_num_threads()}, batch {BATCH})\n")
    print("| path | p50 one caption (ms) | p95 (ms) | batched captions/s | p50 vs baseline |"
          " throughput vs baseline |")
    print("|---|---|---|---|---|---|")
    for label, p50, p95, rate in results:
        print(f"| {label} | {p50:.3f} | {p95:.3f} | {rate:,.0f} | {p50 / base_p50:.1f}x | "
              f"{rate / base_rate:.2f}x |")
    served = next(r for r in results if "(served)" in r[0])
    print(f"\nserved {served_name}: p50 {served[1]:.2f} ms (target <= 5), "
          f"{served[3]:,.0f} captions/s (target >= 1,000)")


if __name__ == "__main__":
    main()
