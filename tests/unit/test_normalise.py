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
