"""Hash lists in the shapes Meta's ThreatExchange tools and Hasher-Matcher-Actioner (HMA) pass
around, so a brand-protection team or another platform can hand this service a bank and take
one back.

Where the rules come from (facebook/ThreatExchange, read to learn the formats):
- python-threatexchange/threatexchange/exchanges/impl/file_api.py: the "local file" exchange
  that the ``threatexchange`` CLI and HMA load hash lists with: one signal a line, written
  ``<signal_type> <signal>``, or the bare signal when the exchange is configured with a type.
- python-threatexchange/threatexchange/cli/dataset_cmd.py: ``threatexchange dataset -P --csv``,
  the CLI's export for handing signals to another system: a CSV whose header is
  ``signal_type,signal_str,collab,category,tags`` (tags space separated; category is the
  opinion, POSITIVE_CLASS, NEGATIVE_CLASS or INVESTIGATION_SEED); ``-P -S`` prints type and
  signal lines. hash_cmd.py prints ``<type> <hash>``; match_cmd.py ``--hashes`` reads bare
  hashes, skipping blank lines.
- python-threatexchange/threatexchange/signal_type/pdq/signal.py: PDQ is named ``pdq``
  (indicator type HASH_PDQ), 64 lowercase hex characters; hashes of quality < 50 are unusable.
- pdq/cpp/bin/pdq-photo-hasher.cpp, pdq/cpp/io/hashio.cpp: the PDQ reference hasher prints
  ``hash,quality,filename`` lines.
- hasher-matcher-actioner/hmalib/common/s3_adapters.py (HMA 0.x, in the repository history):
  banks fetched from ThreatExchange were kept as headerless CSV files named
  ``<privacy group>.hash_pdq.te``: hash,indicator_id,descriptor_id,timestamp,tags.
- hasher-matcher-actioner/src/OpenMediaMatch/blueprints/curation.py (HMA 1.x): a bank takes
  hashes one call at a time (``{"pdq": "<hex>"}``) or from an exchange such as the local file
  one above; it writes no bank file of its own.
ThreatExchange has no 64-bit pHash signal type: ``phash`` is this service's name for it.

Formats (``fmt``): ``csv`` (read and write; canonical), ``lines`` (read and write), ``pdq_hasher``
and ``hma_te`` (read only); ``auto`` tells them apart from the first content line by the rules
in ``detect_format``. The canonical form is the ThreatExchange CLI's CSV: it is the
one of these formats that carries tags and metadata (decision time, review item), any CSV tool
reads it, and a file the CLI exported reads in unchanged; its first five columns are exactly
the CLI's, and each metadata key gets a further column. ``lines`` is what the local file exchange reads, so it
is the form to give HMA or the CLI, at the cost of the metadata.

Rules common to every format, read side: UTF-8 (a leading BOM is dropped), ``\\n`` or ``\\r\\n``
line ends, one record a physical line (so every error names its line), blank lines and lines
starting with ``#`` skipped, hex accepted in either case and stored lowercase, a repeated
(signal type, hash) keeps its first line. Caps: ``MAX_INPUT_BYTES``, ``MAX_SIGNALS``,
``MAX_LINE_CHARS`` and the tag and metadata caps (models.banks.exchange_formats). The canonical writer sorts by
(signal type, hash), sorts tags and metadata columns, and writes ``\\n`` line ends, so
``write_signals(read_signals(write_signals(x))) == write_signals(x)`` byte for byte.

Reading is not judging: a CLI row whose category is NEGATIVE_CLASS (someone's false positive)
or a PDQ whose quality is under 50 is returned like any other, and the importer decides.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from models.banks.exchange_formats import (
    CANONICAL_FORMAT,
    CSV_COLUMNS,
    DIGITS,
    FORMATS,
    HEX,
    HEX_CHARS,
    MAX_INPUT_BYTES,
    MAX_LINE_CHARS,
    MAX_META_COLUMNS,
    MAX_META_KEY_CHARS,
    MAX_META_KEYS,
    MAX_META_VALUE_CHARS,
    MAX_SIGNALS,
    MAX_TAG_CHARS,
    MAX_TAGS,
    META_COLUMNS,
    META_KEY,
    QUALITY_KEY,
    READERS,
    SIGNAL_TYPES,
    WRITE_FORMATS,
    ExchangeFormatError,
    detect,
    detect_format,
    split_lines,
)

__all__ = [
    "CANONICAL_FORMAT",
    "CSV_COLUMNS",
    "FORMATS",
    "HEX_CHARS",
    "MAX_INPUT_BYTES",
    "MAX_LINE_CHARS",
    "MAX_META_COLUMNS",
    "MAX_META_KEYS",
    "MAX_META_KEY_CHARS",
    "MAX_META_VALUE_CHARS",
    "MAX_SIGNALS",
    "MAX_TAGS",
    "MAX_TAG_CHARS",
    "QUALITY_KEY",
    "SIGNAL_TYPES",
    "WRITE_FORMATS",
    "ExchangeFormatError",
    "ExchangeSignal",
    "detect_format",
    "read_signals",
    "write_signals",
]


@dataclass(frozen=True)
class ExchangeSignal:
    """One banked hash. Tags are kept sorted and unique; invalid values raise ValueError."""

    signal_type: str  # "pdq" | "phash"
    value: str  # lowercase hex: pdq 64 hex chars (256 bits), phash 16 (64 bits)
    tags: tuple[str, ...] = ()
    meta: dict[str, str] = field(default_factory=dict)  # e.g. decided_at, review_item_id

    def __post_init__(self) -> None:
        _check_value(self.signal_type, self.value)
        object.__setattr__(self, "tags", _checked_tags(self.tags))
        object.__setattr__(self, "meta", _checked_meta(self.signal_type, self.meta))


def _check_value(signal_type: str, value: str) -> None:
    if signal_type not in HEX_CHARS:
        raise ValueError(f"unknown signal type {signal_type!r} (known: {', '.join(SIGNAL_TYPES)})")
    want = HEX_CHARS[signal_type]
    if not isinstance(value, str) or len(value) != want:
        got = len(value) if isinstance(value, str) else type(value).__name__
        raise ValueError(f"a {signal_type} hash is {want} hex characters, got {got}")
    if not HEX.issuperset(value):
        bad = next(c for c in value if c not in HEX)
        raise ValueError(f"{signal_type} hash has {bad!r}, not a lowercase hex digit")


# C0/C1 controls (line breaks among them) and lone surrogates, which UTF-8 cannot hold.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_SPACE_OR_CONTROL = re.compile(f"\\s|{_CONTROL.pattern}")


def _checked_tags(tags: Sequence[str]) -> tuple[str, ...]:
    if isinstance(tags, str) or not all(isinstance(tag, str) for tag in tags):
        raise ValueError("tags must be a sequence of strings")
    unique = sorted(set(tags))
    if len(unique) > MAX_TAGS:
        raise ValueError(f"{len(unique)} tags, over the cap of {MAX_TAGS}")
    for tag in unique:
        if not tag or len(tag) > MAX_TAG_CHARS:
            raise ValueError(f"tag {tag!r} must be 1-{MAX_TAG_CHARS} characters")
        if _SPACE_OR_CONTROL.search(tag):
            raise ValueError(f"tag {tag!r} has a space or control character")
    return tuple(unique)


def _checked_meta(signal_type: str, meta: dict[str, str]) -> dict[str, str]:
    if not isinstance(meta, dict):
        raise ValueError("meta must be a dict of strings")
    if len(meta) > MAX_META_KEYS:
        raise ValueError(f"{len(meta)} metadata keys, over the cap of {MAX_META_KEYS}")
    for key, value in meta.items():
        if not isinstance(key, str) or not META_KEY.fullmatch(key) or len(key) > MAX_META_KEY_CHARS:
            raise ValueError(f"metadata key {key!r} must be [a-z][a-z0-9_]*, "
                             f"at most {MAX_META_KEY_CHARS} characters")
        if key in ("signal_type", "signal_str", "tags"):
            raise ValueError(f"metadata key {key!r} names a fixed column")
        if not isinstance(value, str) or not value or len(value) > MAX_META_VALUE_CHARS:
            raise ValueError(f"metadata {key!r} must be a string of 1-{MAX_META_VALUE_CHARS} characters")
        if _CONTROL.search(value):
            raise ValueError(f"metadata {key!r} has a control character (line breaks included)")
    quality = meta.get(QUALITY_KEY)
    if quality is not None:
        if signal_type != "pdq":
            raise ValueError(f"{QUALITY_KEY} is PDQ's; a {signal_type} hash has none")
        if not DIGITS.fullmatch(quality) or str(int(quality)) != quality or int(quality) > 100:
            raise ValueError(f"{QUALITY_KEY} must be a whole number 0-100, got {quality!r}")
    return dict(sorted(meta.items()))


# ---- reading ------------------------------------------------------------------------------

def read_signals(data: bytes, fmt: str = "auto", signal_type: str | None = None) -> list[ExchangeSignal]:
    """The signals in ``data``, in file order, the first of each repeated hash kept.

    ``signal_type`` is the type of rows that name none (bare hashes, HMA .te rows) and, where
    rows do name one, the type every row must have. Raises ExchangeFormatError."""
    if fmt != "auto" and fmt not in READERS:
        raise ValueError(f"unknown format {fmt!r} (known: auto, {', '.join(FORMATS)})")
    lines = split_lines(data)
    reader = READERS[detect(lines) if fmt == "auto" else fmt]
    seen: set[tuple[str, str]] = set()
    out: list[ExchangeSignal] = []
    for count, record in enumerate(reader(lines, signal_type), 1):
        if count > MAX_SIGNALS:
            raise ExchangeFormatError(record.line, f"more than {MAX_SIGNALS} signals")
        try:
            signal = ExchangeSignal(record.signal_type, record.value.lower(), record.tags, record.meta)
        except ValueError as exc:
            raise ExchangeFormatError(record.line, str(exc)) from None
        key = (signal.signal_type, signal.value)
        if key not in seen:
            seen.add(key)
            out.append(signal)
    return out


# ---- writing ------------------------------------------------------------------------------

def _canonical_order(signals: Sequence[ExchangeSignal]) -> list[ExchangeSignal]:
    first: dict[tuple[str, str], ExchangeSignal] = {}
    for signal in signals:
        first.setdefault((signal.signal_type, signal.value), signal)
    return [first[key] for key in sorted(first)]


def write_signals(signals: Sequence[ExchangeSignal], fmt: str = CANONICAL_FORMAT) -> bytes:
    """``signals`` as UTF-8 in ``fmt`` (``csv``: canonical, everything kept; ``lines``:
    ``<signal_type> <hash>`` lines that the ThreatExchange local file exchange reads, tags
    and metadata dropped), sorted by (signal type, hash), the first of a repeated hash kept.
    Raises ValueError when the result would exceed what ``read_signals`` accepts."""
    if fmt not in WRITE_FORMATS:
        raise ValueError(f"cannot write {fmt!r} (writable: {', '.join(WRITE_FORMATS)})")
    ordered = _canonical_order(signals)
    if len(ordered) > MAX_SIGNALS:
        raise ValueError(f"{len(ordered)} signals, over the cap of {MAX_SIGNALS}")
    if fmt == "lines":
        body = "".join(f"{s.signal_type} {s.value}\n" for s in ordered)
    else:
        extra = sorted({k for s in ordered for k in s.meta} - set(META_COLUMNS))
        if len(extra) > MAX_META_COLUMNS:
            raise ValueError(f"{len(extra)} distinct metadata keys, over the cap of {MAX_META_COLUMNS}")
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow((*CSV_COLUMNS, *extra))
        for s in ordered:
            writer.writerow((s.signal_type, s.value, s.meta.get("collab", ""), s.meta.get("category", ""),
                             " ".join(s.tags), *(s.meta.get(k, "") for k in extra)))
        body = buffer.getvalue()
    out = body.encode("utf-8")
    if len(out) > MAX_INPUT_BYTES:
        raise ValueError(f"the list is {len(out)} bytes, over the {MAX_INPUT_BYTES} cap readers accept; split it")
    return out
