"""Normalisation: NFKC, pinyin ruby, Traditional → Simplified, whitespace — originals kept."""

from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.decode.model import Block
from pipelines.decode.normalise import finish, normalise, normalise_many


def test_ruby_and_traditional_script_of_sample_001(corpus_dir):
    original = (corpus_dir / "samples" / "001_2f212ad4ee3ae2a4.txt").read_text(encoding="utf-8")
    decoded = finish(original, [], decoder="text")
    assert "鎮(zhèn)" in original and "(zhèn)" not in decoded.text
    assert "XX镇2021年度政务公开工作自查报告" in decoded.text
    assert decoded.original_text == original
    assert decoded.flags == ["pinyin_ruby", "traditional_script"]


def test_simplified_text_is_unchanged_but_for_width_and_spaces(corpus_dir):
    original = (corpus_dir / "samples" / "003_aab5423710c0abba.txt").read_text(encoding="utf-8")
    decoded = finish(original, [], decoder="text")
    assert decoded.flags == []
    assert "\u3000" not in decoded.text and "\u00a0" not in decoded.text
    assert "定州市东亭镇" in decoded.text
    # tab indentation of cells is layout: kept
    assert "\t本年制发件数" in decoded.text


def test_nfkc_digits_brackets_and_blocks():
    assert normalise("（一）予以公开\u3000１２\r\n") == "(一)予以公开 12\n"
    done = finish("x", [Block("table", "t", grid=[["商業\u00a0企業", "１"]])], decoder="d")
    assert done.blocks[0].grid == [["商业 企业", "1"]]


def test_ruby_only_after_han_characters():
    assert normalise("政務(wù)公開 f(x) (abc)") == "政务公开 f(x) (abc)"


def test_radical_forms_of_a_pdf_text_layer_are_the_characters():
    # Chromium's print of 马渚镇人民政府's page puts CJK Radicals Supplement forms in the text layer
    assert normalise("⻢渚镇人⺠政府⻓⻔") == "马渚镇人民政府长门"


_PIECES = st.lists(st.sampled_from(["臺灣", "(tái)", "\r", "\r\n", "\n", " ", "\t", "\u3000", "１２", "\u2028", "\x00",
                                    "⻢", "行政復議", "a", "  \n", "\u00a0", "\ufeff", "鎮(zhèn)"]), max_size=12).map("".join)


@given(st.lists(_PIECES, max_size=30))
@settings(max_examples=300, deadline=None)
def test_a_batch_is_normalised_exactly_as_each_text_alone(texts):
    """The blocks and grid cells of a document are normalised in one batch (speed): never differently
    from one at a time — line ends, \\r, ruby, t2s and trailing spaces included, and NULs (which fall back)."""
    assert normalise_many(texts) == [normalise(t) for t in texts]


def test_plain_text_blocks_are_cut_from_the_normalised_text(corpus_dir):
    original = (corpus_dir / "samples" / "001_2f212ad4ee3ae2a4.txt").read_text(encoding="utf-8")
    from pipelines.decode.plain import decode_plain

    decoded = decode_plain(original.encode("utf-8"), "utf-8", "text")
    assert [b.text for b in decoded.blocks] == [ln for ln in decoded.text.splitlines() if ln.strip()]
    assert decoded.flags == ["pinyin_ruby", "traditional_script"]


def test_the_fast_nfkc_characters_never_compose_or_combine():
    """The fast path's premise, over all of Unicode: no character it takes is a combining mark or the second
    character of a canonical composition (nor a Hangul vowel or final jamo, composed algorithmically), and
    what it maps a character to is NFKC's and made of characters NFKC leaves alone. So NFKC of a text made
    of them is the concatenation of NFKC of each character."""
    import sys
    import unicodedata

    from pipelines.decode.normalise import _fast_nfkc

    outside, _, mapped = _fast_nfkc()
    allowed = {chr(c) for c in range(sys.maxunicode + 1) if not outside.match(chr(c))}
    assert {"，", "１", "\u3000", "政", "a", "\n", "\f", "…", "\xa0", "ǎ", "①", "㈠"} <= allowed and not {"\u0301", "か", "가"} & allowed
    seconds = set()
    for c in range(sys.maxunicode + 1):
        parts = unicodedata.decomposition(chr(c)).split()
        if len(parts) == 2 and not parts[0].startswith("<"):
            seconds.add(chr(int(parts[1], 16)))
    seconds |= {chr(c) for c in range(0x1161, 0x1176)} | {chr(c) for c in range(0x11A8, 0x11C3)}
    assert not seconds & allowed
    assert all(unicodedata.combining(c) == 0 for c in allowed)
    for c in allowed:
        n = unicodedata.normalize("NFKC", c)
        assert mapped.get(c, c) == n and all(unicodedata.normalize("NFKC", x) == x for x in n), c


_FAST = "".join(chr(c) for c in (*range(0x00, 0x250), *range(0x2000, 0x2070), *range(0x2460, 0x2500),
                                    *range(0x3000, 0x3040), *range(0x3200, 0x3300), *range(0xFF01, 0xFF5F))) \
    + "\n\t\f政府信息公开年度报告"


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(_FAST), max_size=80) | st.text(max_size=40)
       | st.lists(st.sampled_from(_FAST + "\u0301\u3099か가\u1161\u00e9é①㈠ﬀ"), max_size=60).map("".join))
def test_the_fast_nfkc_is_nfkc(text):
    import unicodedata

    from pipelines.decode.normalise import nfkc

    assert nfkc(text) == unicodedata.normalize("NFKC", text)


def test_the_fast_nfkc_is_nfkc_on_every_real_document(corpus_dir):
    import unicodedata

    from pipelines.decode.normalise import nfkc

    texts = [p.read_text(encoding="utf-8", errors="replace")
             for p in sorted((corpus_dir / "samples").iterdir()) + sorted((corpus_dir / "crawl").iterdir())]
    assert len(texts) >= 6
    for text in texts:
        assert nfkc(text) == unicodedata.normalize("NFKC", text)
