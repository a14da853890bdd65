"""`make train`: rebuilds datasets and retrains every committed artifact, in order.

Each step is a module run as `python -P -m <module> [args]`; data preparation steps come
before the training steps that read their output.
"""

from __future__ import annotations

import subprocess
import sys
import time

STEPS: list[list[str]] = [
    # --- training steps are added below this line: ["module", "arg", ...] ---
]


def main() -> None:
    only = set(sys.argv[1:])
    for step in STEPS:
        if only and not any(word in step[0] for word in only):
            continue
        print(f"\n==> {' '.join(step)}", flush=True)
        started = time.perf_counter()
        subprocess.run([sys.executable, "-P", "-m", *step], check=True)
        print(f"<== {step[0]} done in {time.perf_counter() - started:.0f} s", flush=True)
    if not STEPS:
        print("no training steps registered")


if __name__ == "__main__":
    main()
