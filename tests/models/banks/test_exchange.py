"""Hash-list exchange formats: canonical round trip, hand-written samples of each format read
as its rules say, every malformed input rejected with its line, and the project's own PDQ and
pHash values surviving the trip."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from trustdata.copydetect.sources import product_shot

from models.banks import exchange, exchange_formats
from models.banks.exchange import (
    CSV_COLUMNS,
    HEX_CHARS,
    MAX_LINE_CHARS,
    MAX_META_VALUE_CHARS,
    MAX_TAGS,
    ExchangeFormatError,
    ExchangeSignal,
    detect_format,
    read_signals,
    write_signals,
)
from models.hashing.kinds import KINDS, from_hex

PDQ_A = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
PDQ_B = "0" * 63 + "1"
PHASH_A = "c3d9a1b2e4f60718"

# ---- round trip ---------------------------------------------------------------------------

_hex = st.sampled_from("0123456789abcdef")
_text = st.characters(blacklist_categories=("Cc", "Cs"))
_tag = st.text(_text.filter(lambda c: not c.isspace()), min_size=1, max_size=12)
_key = st.from_regex(r"[a-z][a-z0-9_]{0,15}", fullmatch=True).filter(
    lambda k: k not in ("signal_type", "signal_str", "tags", "quality"))
_value = st.text(_text, min_size=1, max_size=40)


@st.composite
def signals(draw: st.DrawFn) -> ExchangeSignal:
    kind = draw(st.sampled_from(["pdq", "phash"]))
    value = "".join(draw(st.lists(_hex, min_size=HEX_CHARS[kind], max_size=HEX_CHARS[kind])))
    meta = draw(st.dictionaries(_key, _value, max_size=5))
    if kind == "pdq" and draw(st.booleans()):
        meta["quality"] = str(draw(st.integers(0, 100)))
    return ExchangeSignal(kind, value, tuple(draw(st.lists(_tag, max_size=4))), meta)


def _canonical(xs: list[ExchangeSignal]) -> list[ExchangeSignal]:
    first: dict[tuple[str, str], ExchangeSignal] = {}
    for s in xs:
        first.setdefault((s.signal_type, s.value), s)
    return [first[k] for k in sorted(first)]


@settings(max_examples=150, deadline=None)
@given(st.lists(signals(), max_size=12))
def test_canonical_round_trip_is_byte_for_byte(xs: list[ExchangeSignal]) -> None:
    written = write_signals(xs)
    back = read_signals(written)
    assert back == _canonical(xs)
    assert write_signals(back) == written
    assert read_signals(written, fmt="csv") == back


@settings(max_examples=50, deadline=None)
@given(st.lists(signals(), max_size=12))
def test_lines_round_trip_keeps_hashes(xs: list[ExchangeSignal]) -> None:
    written = write_signals(xs, fmt="lines")
    back = read_signals(written)
    assert [(s.signal_type, s.value) for s in back] == [(s.signal_type, s.value) for s in _canonical(xs)]
    assert write_signals(back, fmt="lines") == written


def test_canonical_form_is_the_threatexchange_cli_csv_with_metadata_columns() -> None:
    xs = [
        ExchangeSignal("phash", PHASH_A),
        ExchangeSignal("pdq", PDQ_A, ("z", "a", "z"), {"review_item_id": "42", "collab": "Brand, Inc",
                                                      "decided_at": "2024-05-01T10:00:00+00:00"}),
    ]
    assert write_signals(xs).decode() == (
        "signal_type,signal_str,collab,category,tags,decided_at,review_item_id\n"
        f'pdq,{PDQ_A},"Brand, Inc",,a z,2024-05-01T10:00:00+00:00,42\n'
        f"phash,{PHASH_A},,,,,\n"
    )
    assert write_signals([]) == (",".join(CSV_COLUMNS) + "\n").encode()
    assert read_signals(write_signals([])) == []


def test_writer_keeps_the_first_of_a_repeated_hash_and_refuses_unknown_formats() -> None:
    first = ExchangeSignal("pdq", PDQ_A, ("first",))
    out = read_signals(write_signals([first, ExchangeSignal("pdq", PDQ_A, ("second",))]))
    assert out == [first]
    with pytest.raises(ValueError, match="cannot write"):
        write_signals([first], fmt="hma_te")


# ---- hand-written samples of each format --------------------------------------------------

def test_reads_threatexchange_cli_csv_export() -> None:
    # `threatexchange dataset -P --csv`: header, collab, opinion category, space-separated tags
    sample = (
        "signal_type,signal_str,collab,category,tags\r\n"
        f"pdq,{PDQ_A},Sample Data,POSITIVE_CLASS,media_type_photo counterfeit\r\n"
        f"pdq,{PDQ_B},Sample Data,NEGATIVE_CLASS,\r\n"
    ).encode()
    assert detect_format(sample) == "csv"
    assert read_signals(sample) == [
        ExchangeSignal("pdq", PDQ_A, ("counterfeit", "media_type_photo"),
                       {"collab": "Sample Data", "category": "POSITIVE_CLASS"}),
        ExchangeSignal("pdq", PDQ_B, (), {"collab": "Sample Data", "category": "NEGATIVE_CLASS"}),
    ]


def test_reads_csv_with_columns_in_any_order_and_no_optional_columns() -> None:
    sample = f"signal_str,signal_type,note\n{PHASH_A.upper()},PHASH,seen twice\n".encode()
    assert read_signals(sample) == [ExchangeSignal("phash", PHASH_A, (), {"note": "seen twice"})]


def test_reads_local_file_exchange_lines() -> None:
    # the local file exchange / `threatexchange hash` output: "<type> <hash>" a line
    sample = f"# brand X fakes\npdq {PDQ_A}\n\n  phash\t{PHASH_A}  \nHASH_PDQ {PDQ_B}\n".encode()
    assert detect_format(sample) == "lines"
    assert read_signals(sample) == [
        ExchangeSignal("pdq", PDQ_A), ExchangeSignal("phash", PHASH_A), ExchangeSignal("pdq", PDQ_B)]


def test_reads_bare_hashes_when_told_their_type() -> None:
    # `threatexchange match --hashes`, or a local file exchange configured with a signal type
    sample = f"{PDQ_A}\n{PDQ_B.upper()}\n".encode()
    assert read_signals(sample, signal_type="pdq") == [ExchangeSignal("pdq", PDQ_A), ExchangeSignal("pdq", PDQ_B)]


def test_reads_pdq_reference_hasher_output() -> None:
    # pdq-photo-hasher: hash,quality,filename (the filename may itself hold commas)
    sample = f"{PDQ_A},100,photos/a,b.jpg\nhash={PDQ_B},49,c.png\n".encode()
    assert detect_format(sample) == "pdq_hasher"
    assert read_signals(sample) == [
        ExchangeSignal("pdq", PDQ_A, (), {"quality": "100", "filename": "photos/a,b.jpg"}),
        ExchangeSignal("pdq", PDQ_B, (), {"quality": "49", "filename": "c.png"}),
    ]


def test_reads_hma_te_bank_files() -> None:
    # HMA 0.x <privacy group>.hash_pdq.te: hash,indicator_id,descriptor_id,timestamp,tags
    sample = (f"{PDQ_A},3058061737574159,12345,2020-07-01T18:31:15+0000,counterfeit true_positive\n"
              f"{PDQ_B},3058061737574160,12346,,\n").encode()
    assert detect_format(sample) == "hma_te"
    assert read_signals(sample, signal_type="pdq") == [
        ExchangeSignal("pdq", PDQ_A, ("counterfeit", "true_positive"),
                       {"indicator_id": "3058061737574159", "descriptor_id": "12345",
                        "added_on": "2020-07-01T18:31:15+0000"}),
        ExchangeSignal("pdq", PDQ_B, (), {"indicator_id": "3058061737574160", "descriptor_id": "12346"}),
    ]


def test_bom_crlf_blank_and_comment_lines_change_nothing() -> None:
    plain = write_signals([ExchangeSignal("pdq", PDQ_A, ("t",), {"review_item_id": "7"})])
    decorated = b"\xef\xbb\xbf# exported by brand X\r\n\r\n" + plain.replace(b"\n", b"\r\n") + b"\r\n# end\r\n"
    assert read_signals(decorated) == read_signals(plain)


def test_repeated_hash_keeps_its_first_line() -> None:
    sample = f"pdq {PDQ_A}\nphash {PHASH_A}\npdq {PDQ_A.upper()}\npdq {PDQ_A}\n".encode()
    assert read_signals(sample) == [ExchangeSignal("pdq", PDQ_A), ExchangeSignal("phash", PHASH_A)]
    csv_sample = (f"signal_type,signal_str,tags\npdq,{PDQ_A},first\npdq,{PDQ_A},second\n").encode()
    assert read_signals(csv_sample) == [ExchangeSignal("pdq", PDQ_A, ("first",))]


def test_empty_input_is_an_empty_list() -> None:
    assert read_signals(b"") == []
    assert read_signals(b"\n# nothing\n") == []


# ---- malformed input: ExchangeFormatError naming the line ---------------------------------

_HEADER = "signal_type,signal_str,collab,category,tags"
_LONG = "x" * (MAX_META_VALUE_CHARS + 1)
_MANY_TAGS = " ".join(f"t{i}" for i in range(MAX_TAGS + 1))

MALFORMED = [
    # (input, fmt, signal_type, line, words in the problem)
    (f"pdq {PDQ_A}\npdq {PDQ_A[:-1]}\n", "auto", None, 2, "64 hex characters, got 63"),
    (f"pdq {PDQ_A}\n\npdq {PDQ_A[:-1]}g\n", "auto", None, 3, "'g', not a lowercase hex digit"),
    (f"phash {PDQ_A}\n", "auto", None, 1, "16 hex characters, got 64"),
    ("md5 d41d8cd98f00b204e9800998ecf8427e\n", "auto", None, 1, "unknown signal type 'md5'"),
    (f"# c\n{PDQ_A}\n", "auto", None, 2, "names no signal type"),
    (f"pdq {PDQ_A} extra\n", "auto", None, 1, "got 3 fields"),
    (f"phash {PHASH_A}\n", "lines", "pdq", 1, "a phash line in a list of pdq hashes"),
    (f"{PDQ_A}\n", "lines", "sha256", 1, "unknown signal type 'sha256'"),
    (f"{_HEADER}\npdq,{PDQ_A},,\n", "auto", None, 2, "row has 4 cells, the header 5"),
    ("signal_type,collab\npdq,x\n", "csv", None, 1, "needs signal_type and signal_str"),
    ("signal_type,signal_str,note,note\n", "csv", None, 1, "repeats a column"),
    ("signal_type,signal_str,Bad Column\n", "csv", None, 1, "not a metadata key"),
    (f'{_HEADER}\npdq,{PDQ_A},"open,,\n', "auto", None, 2, "malformed CSV"),
    (f"{_HEADER}\n\n\nmd5,{'0' * 32},,,\n", "auto", None, 4, "unknown signal type"),
    (f"{_HEADER},quality\nphash,{PHASH_A},,,,80\n", "auto", None, 2, "quality is PDQ's"),
    (f"{_HEADER},quality\npdq,{PDQ_A},,,,101\n", "auto", None, 2, "whole number 0-100"),
    (f"{_HEADER},note\npdq,{PDQ_A},,,,{_LONG}\n", "auto", None, 2, f"1-{MAX_META_VALUE_CHARS} characters"),
    (f"{_HEADER}\npdq,{PDQ_A},,,{_MANY_TAGS}\n", "auto", None, 2, "over the cap"),
    (f"{_HEADER},note\npdq,{PDQ_A},,,,a\vb\n", "auto", None, 2, "control character"),
    (f"{_HEADER},note\npdq,{PDQ_A},,,,a\rb\n", "auto", None, 2, "a carriage return inside the line"),
    (f"{_HEADER}\nphash,{PHASH_A},,,\n", "csv", "pdq", 2, "a phash row in a list of pdq hashes"),
    (f"{PDQ_A},80,a.jpg\n{PDQ_A},x,b.jpg\n", "auto", None, 2, "got 'x'"),
    (f"{PDQ_A},80\n", "pdq_hasher", "phash", 1, "not phash"),
    (f"{PDQ_A},1,2,t,\n", "hma_te", None, 1, "file name"),
    (f"{PDQ_A},1,2,t\n", "hma_te", "pdq", 1, "5 cells"),
]


@pytest.mark.parametrize(("text", "fmt", "signal_type", "line", "problem"), MALFORMED)
def test_malformed_input_names_its_line(text: str, fmt: str, signal_type: str | None, line: int,
                                        problem: str) -> None:
    with pytest.raises(ExchangeFormatError) as caught:
        read_signals(text.encode(), fmt=fmt, signal_type=signal_type)
    assert caught.value.line == line
    assert problem in caught.value.problem
    assert str(caught.value).startswith(f"line {line}: ")


def test_encoding_problems_name_their_line() -> None:
    with pytest.raises(ExchangeFormatError, match=r"^line 3: not UTF-8"):
        read_signals(b"\xef\xbb\xbf# a\n# b\npdq \xff\n")
    with pytest.raises(ExchangeFormatError, match=r"^line 1: the file is UTF-16"):
        read_signals(f"pdq {PDQ_A}\n".encode("utf-16"))


def test_oversize_input_line_and_count_are_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    body = "".join(f"pdq {i:064x}\n" for i in range(10)).encode()  # 69 bytes a line
    monkeypatch.setattr(exchange_formats, "MAX_INPUT_BYTES", 69 * 3 + 10)
    with pytest.raises(ExchangeFormatError, match=r"^line 4: input is 690 bytes, over the cap"):
        read_signals(body)
    monkeypatch.undo()
    monkeypatch.setattr(exchange, "MAX_SIGNALS", 5)
    with pytest.raises(ExchangeFormatError, match=r"^line 8: more than 5 signals"):
        read_signals(b"# header comment\n\n" + body)
    with pytest.raises(ValueError, match="over the cap"):
        write_signals([*read_signals(body[:69 * 5]), ExchangeSignal("phash", PHASH_A)])
    with pytest.raises(ExchangeFormatError, match=r"^line 2: line is"):
        read_signals(f"pdq {PDQ_A}\n# {'x' * MAX_LINE_CHARS}\n".encode())


def test_unknown_read_format_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown format"):
        read_signals(b"", fmt="json")


@pytest.mark.parametrize(("kwargs", "problem"), [
    ({"signal_type": "md5", "value": "0" * 32}, "unknown signal type"),
    ({"signal_type": "pdq", "value": PDQ_A.upper()}, "not a lowercase hex digit"),
    ({"signal_type": "pdq", "value": PDQ_A, "tags": ("two words",)}, "space"),
    ({"signal_type": "pdq", "value": PDQ_A, "tags": "abc"}, "sequence of strings"),
    ({"signal_type": "pdq", "value": PDQ_A, "meta": {"Review": "1"}}, "metadata key"),
    ({"signal_type": "pdq", "value": PDQ_A, "meta": {"signal_str": "1"}}, "fixed column"),
    ({"signal_type": "pdq", "value": PDQ_A, "meta": {"review_item_id": ""}}, "1-"),
    ({"signal_type": "pdq", "value": PDQ_A, "meta": {"review_item_id": 12}}, "must be a string"),
    ({"signal_type": "pdq", "value": PDQ_A, "meta": {"quality": "080"}}, "whole number"),
    ({"signal_type": "pdq", "value": PDQ_A, "meta": {f"k{i}": "v" for i in range(17)}}, "over the cap"),
])
def test_signal_refuses_what_the_format_cannot_carry(kwargs: dict[str, object], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        ExchangeSignal(**kwargs)  # type: ignore[arg-type]


# ---- the project's own hashes survive the trip --------------------------------------------

def test_project_pdq_and_phash_values_survive_the_trip() -> None:
    pdq, phash = KINDS["pdq"], KINDS["phash"]
    computed = []
    for seed in range(700, 706):
        image = product_shot(seed, size=256)
        computed.append((pdq.compute(image), phash.compute(image)))
    xs = []
    for index, (p, h) in enumerate(computed):
        assert p.quality is not None
        meta = {"quality": str(p.quality), "review_item_id": str(1000 + index)}
        xs += [ExchangeSignal("pdq", p.hex, ("counterfeit",), meta), ExchangeSignal("phash", h.hex)]
    back = {(s.signal_type, s.value): s for s in read_signals(write_signals(xs))}
    assert len(back) == len({(s.signal_type, s.value) for s in xs})
    for p, h in computed:
        got = back["pdq", p.hex]
        assert from_hex(pdq, got.value, int(got.meta["quality"])) == p
        assert from_hex(phash, back["phash", h.hex].value) == h
    from_lines = read_signals(write_signals(xs, fmt="lines"))
    assert {from_hex(KINDS[s.signal_type], s.value).value for s in from_lines} == \
        {v.value for pair in computed for v in pair}
