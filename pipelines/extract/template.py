"""Template version from the table labels (spec §1), never from the year: late and early adopters exist."""

from __future__ import annotations

import re
from functools import lru_cache

from pipelines import contract as C
from pipelines.extract.lines import compact, compact_joined

_DIGIT = re.compile(r"\d")


_MARKERS = {t: C.DEFINITION["templates"][t]["markers"] for t in C.TEMPLATES}  # templates.yml
_V2019_STRONG, _V2019_WEAK = tuple(_MARKERS["v2019"]["strong"]), tuple(_MARKERS["v2019"]["weak"])
_V2021_STRONG, _V2021_WEAK = tuple(_MARKERS["v2021"]["strong"]), tuple(_MARKERS["v2021"]["weak"])


def _weak_marker_in_table(text: str, marker: str) -> bool:
    """A prose-prone label counts only on a table-like line: no sentence end, not followed by a figure."""
    joined = compact_joined(text)  # each line holding the marker, at its first occurrence in the line
    at = joined.find(marker)
    while at >= 0:
        start, end = joined.rfind("\n", 0, at) + 1, joined.find("\n", at)
        end = len(joined) if end < 0 else end
        if "。" not in joined[start:end] and not _DIGIT.match(joined, at + len(marker), end):
            return True
        at = joined.find(marker, end)
    return False


@lru_cache(maxsize=4)
def detect_template(text: str) -> tuple[str | None, tuple[str, ...]]:
    """Template version from the table labels (spec §1): v2019, v2021, hybrid, or None when no marker.

    Returns the template and the labels that decided it. Column headers (本年制发件数, 本年新制作数量…) count
    anywhere; labels that also occur in prose (政府集中采购, 逾期不补正…) only on table-like lines.
    """
    whole = compact(text)
    found19 = [m for m in _V2019_STRONG if m in whole] + [m for m in _V2019_WEAK
                                                         if m in whole and _weak_marker_in_table(text, m)]
    found21 = [m for m in _V2021_STRONG if m in whole] + [m for m in _V2021_WEAK
                                                         if m in whole and _weak_marker_in_table(text, m)]
    if found19 and found21:
        return "hybrid", tuple(found19 + found21)
    if found19:
        return "v2019", tuple(found19)
    if found21:
        return "v2021", tuple(found21)
    return None, ()
