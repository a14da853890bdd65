"""The frozen evaluation sets share no caption with the training data or with each other.

A caption that is in both would make a frozen figure partly a training figure; texts are
compared after folding case, width and whitespace, the differences a copy would survive.
"""

from __future__ import annotations

import unicodedata

from trustdata.captions.written import load_written

from training.evaluate_captions_frozen import FROZEN_SETS, load_frozen


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def test_every_frozen_set_has_its_writers_and_both_labels() -> None:
    for name, directory in FROZEN_SETS.items():
        rows = load_frozen(directory)
        assert len(rows) >= 600, name
        assert {r.label for r in rows} == {0, 1}, name
        assert len({r.id for r in rows}) == len(rows), name


def test_frozen_sets_share_no_caption_with_training_or_each_other() -> None:
    training = {_fold(r["text"]) for r in load_written()}
    writers = {r["writer"] for r in load_written()}
    seen: dict[str, str] = {}
    for name, directory in FROZEN_SETS.items():
        for row in load_frozen(directory):
            text = _fold(row.text)
            assert text not in training, (name, row.id)
            assert text not in seen, (name, row.id, seen.get(text))
            assert row.writer not in writers, (name, row.writer)
            seen[text] = f"{name}:{row.id}"
