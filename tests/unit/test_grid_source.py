"""A span of the grids' text → the table grid and grid rows it lies in (pipelines/extract/grid_source.py)."""

from __future__ import annotations

from pipelines.decode.model import Block, grid_text
from pipelines.extract.grid_source import grid_places, grids_text

T2 = [["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"], ["规章", "0", "0", "0"],
      ["行政规范性文件", "9", "0", "20"]]
T4 = [["行政复议", "", ""], ["结果维持", "结果纠正", "总计"], ["10", "1", "11"], ["5", "0", "5"]]


def _table(grid: list[list[str]], page: int | None) -> Block:
    return Block(kind="table", text=grid_text(grid), page=page, grid=grid)


BLOCKS = [Block("paragraph", "二、主动公开政府信息情况", page=1), _table(T2, 1),
          Block("paragraph", "三、收到和处理政府信息公开申请情况\n（本表单位：件）", page=2), _table(T4, 2)]
TEXT = grids_text(BLOCKS)


def _line(text: str) -> tuple[int, int]:
    """The span the line reader gives a row read from one line: its first character to the "\\n" after it."""
    start = TEXT.index(text)
    return start, TEXT.index("\n", start) if "\n" in TEXT[start:] else len(TEXT)


def test_a_row_in_a_grid_is_named_by_its_table_number_grid_row_and_page():
    spans = {("t2", "normative"): _line("| 行政规范性文件 |"), ("t2", "rules"): _line("| 规章 |"),
             ("t4", "*"): (TEXT.index("| 10 |"), len(TEXT))}  # two lines, the last of the whole text
    assert grid_places(BLOCKS, spans) == {("t2", "normative"): (1, 1, 3, 3), ("t2", "rules"): (1, 1, 2, 2),
                                          ("t4", "*"): (2, 2, 3, 4)}
    # the coordinates point at the printed values: grid row 3 of table 1 is the 行政规范性文件 row
    page, number, first, _ = grid_places(BLOCKS, {"k": _line("| 行政规范性文件 |")})["k"]
    assert [b for b in BLOCKS if b.kind == "table"][number - 1].grid[first - 1] == ["行政规范性文件", "9", "0", "20"]


def test_a_grid_without_pages_has_none():
    blocks = [_table(T2, None)]
    text = grids_text(blocks)
    start = text.index("| 规章")
    assert grid_places(blocks, {"k": (start, text.index("\n", start))}) == {"k": (None, 1, 2, 2)}


def test_no_coordinates_where_the_span_is_not_inside_one_grid():
    across = (TEXT.index("| 行政规范性文件"), TEXT.index("（本表单位"))  # a table's last row into a paragraph
    paragraph = _line("二、主动公开")
    # a table's lines that are not its grid's rows (a cell holding a line break) name no grid row
    broken = [Block("table", "| a | 1\n2 |", page=1, grid=[["a", "1\n2"]])]
    assert grid_places(BLOCKS, {"across": across, "paragraph": paragraph}) == {}
    assert grid_places(broken, {"k": (0, 5)}) == {}
    assert grid_places([], {"k": (0, 5)}) == {}
