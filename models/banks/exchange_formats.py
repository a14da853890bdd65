"""The hash-list formats line by line: limits, decoding, and one reader per format.

Each reader turns the decoded lines into raw records (type name, hash, tags, metadata) with
their line numbers; ``models.banks.exchange`` validates them into signals. Which public
ThreatExchange/HMA source each format follows is in that module's docstring.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Callable, Iterator
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
META_COLUMNS = ("collab", "category")
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

META_KEY = re.compile(r"[a-z][a-z0-9_]*")
HEX = frozenset("0123456789abcdef")
DIGITS = re.compile(r"[0-9]+")


class ExchangeFormatError(ValueError):
    """A hash list that cannot be read; ``line`` is 1-based, counted in the input as given."""

    def __init__(self, line: int, problem: str) -> None:
        super().__init__(f"line {line}: {problem}")
        self.line = line
        self.problem = problem


def split_lines(data: bytes) -> list[str]:
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
    out = []
    for number, line in enumerate(lines, 1):
        if len(line) > MAX_LINE_CHARS:
            raise ExchangeFormatError(number, f"line is {len(line)} characters, over the cap of {MAX_LINE_CHARS}")
        line = line.removesuffix("\r")
        if "\r" in line:
            raise ExchangeFormatError(number, "a carriage return inside the line: end lines with \\n or \\r\\n")
        out.append(line)
    return out


def _content(lines: list[str]) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(lines, 1):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            yield number, line


def _cells(number: int, line: str) -> list[str]:
    if '"' not in line:  # without quotes a CSV line is its commas (CR and LF are refused earlier)
        return line.split(",")
    try:
        return next(csv.reader([line], strict=True))
    except csv.Error as exc:
        raise ExchangeFormatError(number, f"malformed CSV: {exc}") from None


@dataclass(frozen=True)
class Record:
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


def _read_csv(lines: list[str], signal_type: str | None) -> Iterator[Record]:
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
        if not META_KEY.fullmatch(name) or len(name) > MAX_META_KEY_CHARS:
            raise ExchangeFormatError(header_at, f"column {name!r} is not a metadata key ([a-z][a-z0-9_]*)")
    meta_columns = [(i, c) for i, c in enumerate(header) if c in META_COLUMNS or c in extra]
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
        yield Record(number, kind, cells[value_at].strip(), tags, meta)


def _read_lines(lines: list[str], signal_type: str | None) -> Iterator[Record]:
    for number, line in _content(lines):
        fields = line.split()
        if len(fields) == 1:
            yield Record(number, _given_type(number, signal_type, "bare hash"), fields[0])
        elif len(fields) == 2:
            kind = _type_name(number, fields[0])
            if signal_type is not None and kind != _type_name(number, signal_type):
                raise ExchangeFormatError(number, f"a {kind} line in a list of {signal_type} hashes")
            yield Record(number, kind, fields[1])
        else:
            raise ExchangeFormatError(number, f"expected '<signal_type> <hash>', got {len(fields)} fields")


def _read_pdq_hasher(lines: list[str], signal_type: str | None) -> Iterator[Record]:
    if signal_type is not None and _type_name(1, signal_type) != "pdq":
        raise ExchangeFormatError(1, f"PDQ hasher output holds pdq hashes, not {signal_type}")
    for number, line in _content(lines):
        fields = line.split(",", 2)
        value = fields[0].strip().removeprefix("hash=")
        meta = {}
        if len(fields) > 1:
            quality = fields[1].strip()
            if not DIGITS.fullmatch(quality) or int(quality) > 100:
                raise ExchangeFormatError(number, f"quality must be a whole number 0-100, got {quality!r}")
            meta[QUALITY_KEY] = str(int(quality))
        if len(fields) > 2 and fields[2]:
            meta["filename"] = fields[2]
        yield Record(number, "pdq", value, (), meta)


_HMA_TE_COLUMNS = ("indicator_id", "descriptor_id", "added_on")


def _read_hma_te(lines: list[str], signal_type: str | None) -> Iterator[Record]:
    for number, line in _content(lines):
        kind = _given_type(number, signal_type, "HMA .te (its type is in the file name, e.g. hash_pdq.te)")
        cells = _cells(number, line)
        if len(cells) != 5:
            raise ExchangeFormatError(number, f"an HMA .te row has 5 cells "
                                              f"(hash,indicator_id,descriptor_id,timestamp,tags), got {len(cells)}")
        meta = {name: cell for name, cell in zip(_HMA_TE_COLUMNS, cells[1:4], strict=True) if cell}
        yield Record(number, kind, cells[0].strip(), tuple(cells[4].split()), meta)


Reader = Callable[[list[str], str | None], Iterator[Record]]
READERS: dict[str, Reader] = {
    "csv": _read_csv, "lines": _read_lines, "pdq_hasher": _read_pdq_hasher, "hma_te": _read_hma_te,
}


def detect(lines: list[str]) -> str:
    number, first = next(_content(lines), (0, ""))
    if not number:
        return "lines"
    if "," not in first:
        return "lines"
    cells = [cell.strip().lower() for cell in _cells(number, first)]
    if "signal_type" in cells and "signal_str" in cells:
        return "csv"
    if len(cells) == 5 and DIGITS.fullmatch(cells[1]) and DIGITS.fullmatch(cells[2]):
        return "hma_te"
    return "pdq_hasher"


def detect_format(data: bytes) -> str:
    """Which reader ``read_signals(fmt="auto")`` uses, from the first content line: a header
    with signal_type and signal_str is ``csv``; no comma is ``lines``; five cells whose second
    and third are numbers (indicator and descriptor ids) is ``hma_te``; else ``pdq_hasher``."""
    return detect(split_lines(data))
