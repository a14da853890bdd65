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
in ``detect_format``. The canonical form is the ThreatExchange CLI's CSV because it
is the one exchange format that carries tags and metadata (decision time, review item) and any
CSV tool or the CLI's own consumers read it; its first five columns are exactly the CLI's, and
each metadata key gets a further column. ``lines`` is what the local file exchange reads, so it
is the form to give HMA or the CLI, at the cost of the metadata.

Rules common to every format, read side: UTF-8 (a leading BOM is dropped), ``\\n`` or ``\\r\\n``
line ends, one record a physical line (so every error names its line), blank lines and lines
starting with ``#`` skipped, hex accepted in either case and stored lowercase, a repeated
(signal type, hash) keeps its first line. Caps: ``MAX_INPUT_BYTES``, ``MAX_SIGNALS``,
``MAX_LINE_CHARS``, and the tag/metadata caps below. The canonical writer sorts by
(signal type, hash), sorts tags and metadata columns, and writes ``\\n`` line ends, so
``write_signals(read_signals(write_signals(x))) == write_signals(x)`` byte for byte.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

SIGNAL_TYPES = ("pdq", "phash")
HEX_CHARS = {"pdq": 64, "phash": 16}
# Other spellings seen in ThreatExchange data (its indicator type names).
_TYPE_ALIASES = {"hash_pdq": "pdq"}

FORMATS = ("csv", "lines", "pdq_hasher", "hma_te")
WRITE_FORMATS = ("csv", "lines")
CANONICAL_FORMAT = "csv"
CSV_COLUMNS = ("signal_type", "signal_str", "collab", "category", "tags")
# The CLI's collab and category columns are carried as metadata of the same names.
_META_COLUMNS = ("collab", "category")
QUALITY_KEY = "quality"  # PDQ quality, 0-100, where the source carries it

MAX_INPUT_BYTES = 256 * 1024 * 1024  # a 1,000,000-hash bank with metadata is ~150 MiB
MAX_SIGNALS = 2_000_000
MAX_LINE_CHARS = 16_384  # above the longest row the caps below allow
MAX_TAGS = 16
MAX_TAG_CHARS = 64
MAX_META_KEYS = 16  # per signal
MAX_META_COLUMNS = 48  # distinct metadata keys in one file
MAX_META_KEY_CHARS = 64
MAX_META_VALUE_CHARS = 256

_META_KEY = re.compile(r"[a-z][a-z0-9_]*")
_HEX = frozenset("0123456789abcdef")
_DIGITS = re.compile(r"[0-9]+")


class ExchangeFormatError(ValueError):
    """A hash list that cannot be read; ``line`` is 1-based, counted in the input as given."""

    def __init__(self, line: int, problem: str) -> None:
        super().__init__(f"line {line}: {problem}")
        self.line = line
        self.problem = problem


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
    bad = next((c for c in value if c not in _HEX), None)
    if bad is not None:
        raise ValueError(f"{signal_type} hash has {bad!r}, not a lowercase hex digit")


def _has_control(text: str) -> bool:
    """C0/C1 controls (line breaks among them) and lone surrogates, which UTF-8 cannot hold."""
    return any(ord(c) < 32 or 127 <= ord(c) < 160 or 0xD800 <= ord(c) < 0xE000 for c in text)


def _checked_tags(tags: Sequence[str]) -> tuple[str, ...]:
    if isinstance(tags, str) or not all(isinstance(tag, str) for tag in tags):
        raise ValueError("tags must be a sequence of strings")
    unique = sorted(set(tags))
    if len(unique) > MAX_TAGS:
        raise ValueError(f"{len(unique)} tags, over the cap of {MAX_TAGS}")
    for tag in unique:
        if not tag or len(tag) > MAX_TAG_CHARS:
            raise ValueError(f"tag {tag!r} must be 1-{MAX_TAG_CHARS} characters")
        if any(c.isspace() for c in tag) or _has_control(tag):
            raise ValueError(f"tag {tag!r} has a space or control character")
    return tuple(unique)


def _checked_meta(signal_type: str, meta: dict[str, str]) -> dict[str, str]:
    if not isinstance(meta, dict):
        raise ValueError("meta must be a dict of strings")
    if len(meta) > MAX_META_KEYS:
        raise ValueError(f"{len(meta)} metadata keys, over the cap of {MAX_META_KEYS}")
    for key, value in meta.items():
        if not isinstance(key, str) or not _META_KEY.fullmatch(key) or len(key) > MAX_META_KEY_CHARS:
            raise ValueError(f"metadata key {key!r} must be [a-z][a-z0-9_]*, "
                             f"at most {MAX_META_KEY_CHARS} characters")
        if key in ("signal_type", "signal_str", "tags"):
            raise ValueError(f"metadata key {key!r} names a fixed column")
        if not isinstance(value, str) or not value or len(value) > MAX_META_VALUE_CHARS:
            raise ValueError(f"metadata {key!r} must be a string of 1-{MAX_META_VALUE_CHARS} characters")
        if _has_control(value):
            raise ValueError(f"metadata {key!r} has a control character (line breaks included)")
    quality = meta.get(QUALITY_KEY)
    if quality is not None:
        if signal_type != "pdq":
            raise ValueError(f"{QUALITY_KEY} is PDQ's; a {signal_type} hash has none")
        if not _DIGITS.fullmatch(quality) or str(int(quality)) != quality or int(quality) > 100:
            raise ValueError(f"{QUALITY_KEY} must be a whole number 0-100, got {quality!r}")
    return dict(sorted(meta.items()))


# ---- reading ------------------------------------------------------------------------------

def _lines(data: bytes) -> list[str]:
    """The input's physical lines, decoded; raises on size, encoding and line length."""
    if len(data) > MAX_INPUT_BYTES:
        at = data.count(b"\n", 0, MAX_INPUT_BYTES) + 1
        raise ExchangeFormatError(at, f"input is {len(data)} bytes, over the cap of {MAX_INPUT_BYTES}")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ExchangeFormatError(1, "the file is UTF-16; save it as UTF-8")
    start = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        text = data[start:].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ExchangeFormatError(data.count(b"\n", 0, start + exc.start) + 1,
                                  "not UTF-8 text") from None
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    for number, line in enumerate(lines, 1):
        if len(line) > MAX_LINE_CHARS:
            raise ExchangeFormatError(number, f"line is {len(line)} characters, over the cap of {MAX_LINE_CHARS}")
    return [line.removesuffix("\r") for line in lines]


def _content(lines: list[str]) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(lines, 1):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            yield number, line


def _cells(number: int, line: str) -> list[str]:
    try:
        return next(csv.reader([line], strict=True))
    except csv.Error as exc:
        raise ExchangeFormatError(number, f"malformed CSV: {exc}") from None


@dataclass(frozen=True)
class _Record:
    line: int
    signal_type: str
    value: str
    tags: tuple[str, ...] = ()
    meta: dict[str, str] = field(default_factory=dict)


def _type_name(number: int, name: str) -> str:
    lowered = name.strip().lower()
    lowered = _TYPE_ALIASES.get(lowered, lowered)
    if lowered not in HEX_CHARS:
        raise ExchangeFormatError(number, f"unknown signal type {name.strip()!r} "
                                          f"(known: {', '.join(SIGNAL_TYPES)})")
    return lowered


def _given_type(number: int, signal_type: str | None, fmt: str) -> str:
    if signal_type is None:
        raise ExchangeFormatError(number, f"a {fmt} row names no signal type: pass signal_type")
    return _type_name(number, signal_type)


def _read_csv(lines: list[str], signal_type: str | None) -> Iterator[_Record]:
    rows = _content(lines)
    header_at, header_line = next(rows, (0, ""))
    if not header_at:
        return
    header = [cell.strip() for cell in _cells(header_at, header_line)]
    if "signal_type" not in header or "signal_str" not in header:
        raise ExchangeFormatError(header_at, "the CSV header needs signal_type and signal_str columns")
    if len(set(header)) != len(header):
        raise ExchangeFormatError(header_at, "the CSV header repeats a column")
    extra = [c for c in header if c not in CSV_COLUMNS]
    if len(extra) > MAX_META_COLUMNS:
        raise ExchangeFormatError(header_at, f"{len(extra)} metadata columns, over the cap of {MAX_META_COLUMNS}")
    for name in extra:
        if not _META_KEY.fullmatch(name) or len(name) > MAX_META_KEY_CHARS:
            raise ExchangeFormatError(header_at, f"column {name!r} is not a metadata key ([a-z][a-z0-9_]*)")
    meta_columns = [(i, c) for i, c in enumerate(header) if c in _META_COLUMNS or c in extra]
    type_at, value_at = header.index("signal_type"), header.index("signal_str")
    tags_at = header.index("tags") if "tags" in header else None
    for number, line in rows:
        cells = _cells(number, line)
        if len(cells) != len(header):
            raise ExchangeFormatError(number, f"row has {len(cells)} cells, the header {len(header)}")
        kind = _type_name(number, cells[type_at])
        if signal_type is not None and kind != _type_name(number, signal_type):
            raise ExchangeFormatError(number, f"a {kind} row in a list of {signal_type} hashes")
        tags = tuple(cells[tags_at].split()) if tags_at is not None else ()
        meta = {name: cells[i] for i, name in meta_columns if cells[i]}
        yield _Record(number, kind, cells[value_at].strip(), tags, meta)


def _read_lines(lines: list[str], signal_type: str | None) -> Iterator[_Record]:
    for number, line in _content(lines):
        fields = line.split()
        if len(fields) == 1:
            yield _Record(number, _given_type(number, signal_type, "bare hash"), fields[0])
        elif len(fields) == 2:
            kind = _type_name(number, fields[0])
            if signal_type is not None and kind != _type_name(number, signal_type):
                raise ExchangeFormatError(number, f"a {kind} line in a list of {signal_type} hashes")
            yield _Record(number, kind, fields[1])
        else:
            raise ExchangeFormatError(number, f"expected '<signal_type> <hash>', got {len(fields)} fields")


def _read_pdq_hasher(lines: list[str], signal_type: str | None) -> Iterator[_Record]:
    if signal_type is not None and _type_name(1, signal_type) != "pdq":
        raise ExchangeFormatError(1, f"PDQ hasher output holds pdq hashes, not {signal_type}")
    for number, line in _content(lines):
        fields = line.split(",", 2)
        value = fields[0].strip().removeprefix("hash=")
        meta = {}
        if len(fields) > 1:
            quality = fields[1].strip()
            if not _DIGITS.fullmatch(quality) or int(quality) > 100:
                raise ExchangeFormatError(number, f"quality must be a whole number 0-100, got {quality!r}")
            meta[QUALITY_KEY] = str(int(quality))
        if len(fields) > 2 and fields[2]:
            meta["filename"] = fields[2]
        yield _Record(number, "pdq", value, (), meta)


_HMA_TE_COLUMNS = ("indicator_id", "descriptor_id", "added_on")


def _read_hma_te(lines: list[str], signal_type: str | None) -> Iterator[_Record]:
    for number, line in _content(lines):
        kind = _given_type(number, signal_type, "HMA .te (its type is in the file name, e.g. hash_pdq.te)")
        cells = _cells(number, line)
        if len(cells) != 5:
            raise ExchangeFormatError(number, f"an HMA .te row has 5 cells "
                                              f"(hash,indicator_id,descriptor_id,timestamp,tags), got {len(cells)}")
        meta = {name: cell for name, cell in zip(_HMA_TE_COLUMNS, cells[1:4], strict=True) if cell}
        yield _Record(number, kind, cells[0].strip(), tuple(cells[4].split()), meta)


_READERS = {"csv": _read_csv, "lines": _read_lines, "pdq_hasher": _read_pdq_hasher, "hma_te": _read_hma_te}


def _detect(lines: list[str]) -> str:
    number, first = next(_content(lines), (0, ""))
    if not number:
        return "lines"
    if "," not in first:
        return "lines"
    cells = [cell.strip().lower() for cell in _cells(number, first)]
    if "signal_type" in cells and "signal_str" in cells:
        return "csv"
    if len(cells) == 5 and _DIGITS.fullmatch(cells[1]) and _DIGITS.fullmatch(cells[2]):
        return "hma_te"
    return "pdq_hasher"


def detect_format(data: bytes) -> str:
    """Which reader ``read_signals(fmt="auto")`` uses, from the first content line: a header
    with signal_type and signal_str is ``csv``; no comma is ``lines``; five cells whose second
    and third are numbers (indicator and descriptor ids) is ``hma_te``; else ``pdq_hasher``."""
    return _detect(_lines(data))


def read_signals(data: bytes, fmt: str = "auto", signal_type: str | None = None) -> list[ExchangeSignal]:
    """The signals in ``data``, in file order, the first of each repeated hash kept.

    ``signal_type`` is the type of rows that name none (bare hashes, HMA .te rows) and, where
    rows do name one, the type every row must have. Raises ExchangeFormatError."""
    if fmt != "auto" and fmt not in _READERS:
        raise ValueError(f"unknown format {fmt!r} (known: auto, {', '.join(FORMATS)})")
    lines = _lines(data)
    reader = _READERS[_detect(lines) if fmt == "auto" else fmt]
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
        extra = sorted({k for s in ordered for k in s.meta} - set(_META_COLUMNS))
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
