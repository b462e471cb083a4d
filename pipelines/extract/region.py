"""Place names → GB/T 2260 region (province / city / county) with the county-level gazetteer shipped in `cpca`.

The gazetteer is `cpca/resources/adcodes.csv` (adcode,name,longitude,latitude; 12-digit codes). It is read
lazily, once, without importing `cpca` (its `__init__` needs `pkg_resources`, which is not installed).
The chain of a code is built from its prefixes: province = first 2 digits + zeros, city = first 4 + zeros.

Evidence is weighed by where a name was found: the agency's own name decides when it names a place
(淮安市人民政府 → 淮安市 even when the body mentions a district); otherwise the strongest consistent
mention in the title, page chrome, portal names (…人民政府门户网站) and body wins. Short names (余姚 for
余姚市) are accepted only where they cannot be an ordinary word: directly before the agency's own township
name ("余姚马渚") or before 人民政府/政府/党委 words.
"""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import ahocorasick

# Gazetteer rows that are grouping placeholders, not places.
_PLACEHOLDER_NAMES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
# Suffix stripped to get a short name; ethnic names of autonomous units are stripped too.
_ETHNIC = re.compile(r"^(.{2,}?)(?:[\u4e00-\u9fff]{1,6}?族)+自治(?:州|县|旗|区)$")
_SUFFIXES = ("特别行政区", "自治区", "自治州", "自治县", "自治旗", "地区", "林区", "特区", "省", "市", "县", "区", "旗", "盟")
# What may follow a short name for it to count as a place (it cannot be an ordinary word there).
_GOVERNMENT_AFTER = re.compile(r"(?:人民政府|政府|县委|市委|区委|党委|人大|政协|门户网站)")
# Anonymised placeholders ("XX镇", "xx县", "××市", "某县") are not places.
_ANONYMISED = re.compile(r"(?:[xX×＊*]{2}|某)")


@dataclass(frozen=True)
class Place:
    code: str  # 12 digits
    name: str
    level: str  # province | city | county


@dataclass
class Mention:
    name: str
    codes: tuple[str, ...]
    start: int
    short: bool


@dataclass
class RegionResult:
    """The resolved region. `level` is the level of `code` (province/city/county), or township when only a
    township name is known (then `code` is None)."""

    region: str | None = None
    code: str | None = None
    confidence: float | None = None
    level: str | None = None
    issues: list[dict] = field(default_factory=list)


def _level(code: str) -> str:
    if code[2:] == "0" * 10:
        return "province"
    if code[4:] == "0" * 8:
        return "city"
    return "county"


def _short_name(name: str) -> str | None:
    m = _ETHNIC.match(name)
    if m:
        return m.group(1)
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return None


class Gazetteer:
    """Name → codes index over the county-level gazetteer."""

    def __init__(self, rows: list[tuple[str, str]]):
        self.places: dict[str, Place] = {}
        self.full: dict[str, list[str]] = {}
        self.short: dict[str, list[str]] = {}
        for code, name in rows:
            if name in _PLACEHOLDER_NAMES:
                continue
            self.places[code] = Place(code, name, _level(code))
            self.full.setdefault(name, []).append(code)
        for code, place in self.places.items():
            short = _short_name(place.name)
            if short and short not in self.full:
                self.short.setdefault(short, []).append(code)
        for short, codes in self.short.items():
            # 淮安 is both 淮安市 and its 淮安区: the short name means the wider unit.
            ancestors = [c for c in codes if any(o != c and o.startswith(c.rstrip("0")) for o in codes)]
            if ancestors:
                self.short[short] = ancestors
        self.max_len = max(map(len, self.full))
        # One Aho–Corasick automaton over every name: a text is scanned once, whatever the gazetteer's size.
        self.automaton = ahocorasick.Automaton()
        for name in {**self.short, **self.full}:
            self.automaton.add_word(name, name)
        self.automaton.make_automaton()
        # A name never spans a character that no name holds (digits, punctuation, most of the text): the
        # scan restarts there, so the text is scanned as its runs of name characters, each run once per
        # distinct run (`_run_hits`: boilerplate sentences recur from report to report).
        letters = sorted({c for name in {**self.short, **self.full} for c in name})
        self.runs = re.compile("[" + "".join(re.escape(c) for c in letters) + "]+")

    def chain(self, code: str) -> list[Place]:
        """Province, city, county of a code, as far as the gazetteer has them (定州市: 河北省 → 定州市)."""
        out = []
        for prefix_len in (2, 4, 12):
            c = code[:prefix_len].ljust(12, "0")
            if c in self.places and (not out or out[-1].code != c):
                out.append(self.places[c])
            if c == code:
                break
        return out

    def region_name(self, code: str) -> str:
        return "".join(p.name for p in self.chain(code))

    def mentions(self, text: str, agency_core: str | None = None) -> list[Mention]:
        """Gazetteer names in `text` (whitespace-free), longest match first, left to right.

        Full names of ≥ 3 characters count anywhere; two-character full names (和县, 城区) and short names
        (余姚) only before a government word or directly before the agency's own township name.
        """
        found: list[Mention] = []
        for end, name in self.longest_names(text):
            start = end - len(name) + 1
            hit = (Mention(name, tuple(self.full[name]), start, short=False) if name in self.full
                   else Mention(name, tuple(self.short[name]), start, short=True))
            if self._accept(text, hit, agency_core):
                found.append(hit)
        return found

    def longest_names(self, text: str) -> list[tuple[int, str]]:
        """`automaton.iter_long(text)` as a list (end offset, name): non-overlapping longest names."""
        out = []
        for run in self.runs.finditer(text):
            hits = _run_hits(run.group())
            if hits:
                at = run.start()
                out.extend([(at + end, name) for end, name in hits])
        return out

    def _accept(self, text: str, m: Mention, agency_core: str | None) -> bool:
        before = text[max(0, m.start - 2) : m.start]
        if _ANONYMISED.search(before):
            return False
        if not m.short and len(m.name) >= 3:
            return True
        after = m.start + len(m.name)  # (offsets into text: no copy of the rest of a long text per mention)
        if _GOVERNMENT_AFTER.match(text, after):
            return True
        if agency_core and text.startswith(agency_core, after):
            return True
        # A short name directly followed by another place name ("淮安洪泽区").
        return any(text[after:after + n] in self.full for n in range(3, self.max_len + 1))


@lru_cache(maxsize=65536)
def _run_hits(run: str) -> tuple[tuple[int, str], ...]:
    return tuple(gazetteer().automaton.iter_long(run))


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """Load the cpca gazetteer once (first use, not at import)."""
    spec = importlib.util.find_spec("cpca")  # locates the package without executing its __init__
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the cpca package (GB/T 2260 gazetteer) is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "resources" / "adcodes.csv"
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        parts = line.split(",")
        if len(parts) >= 2 and parts[0].isdigit():
            rows.append((parts[0], parts[1]))
    return Gazetteer(rows)


def _consistent(a: str, b: str) -> bool:
    """True when one code is the other or an ancestor of it."""
    gaz = gazetteer()
    return a in {p.code for p in gaz.chain(b)} or b in {p.code for p in gaz.chain(a)}


def _best(mentions: list[tuple[Mention, float]], among: list[Mention] | None = None) -> tuple[str | None, float, bool]:
    """Pick the best supported code (the deeper one on ties) named by `among` (default: all mentions).
    Returns (code, support share, ambiguous)."""
    if not mentions:
        return None, 0.0, False
    gaz = gazetteer()
    candidates = {c for m in (among if among is not None else [m for m, _ in mentions]) for c in m.codes}
    total = sum(w for _, w in mentions)
    scored = []
    for c in candidates:
        chain = {p.code for p in gaz.chain(c)}
        # A mention supports c when it names c or an ancestor of c; an ambiguous mention splits its weight.
        # So 深圳市南山区 supports 440305 more than 440300, and a lone 南山区 leaves two equal candidates.
        support = round(sum(w / len(m.codes) for m, w in mentions if chain & set(m.codes)), 6)
        scored.append((support, len(chain), c))
    scored.sort(reverse=True)
    best_support, _, best = scored[0]
    # Ambiguous when a different, inconsistent candidate is (almost) as well supported.
    rivals = [c for s, _, c in scored[1:] if s >= 0.8 * best_support and not _consistent(c, best)]
    return best, best_support / total if total else 0.0, bool(rivals)


def township_of(agency: str | None) -> str | None:
    """The township part of an agency name ('马渚镇人民政府' → '马渚镇', '定州市东亭镇' → '东亭镇')."""
    if not agency:
        return None
    m = re.search(r"(?:镇|乡|街道)(?=(?:人民政府|政府|办事处|党委)?$)", agency)
    if not m:
        return None
    name = agency[: m.end()]
    places = gazetteer().mentions(name)
    if places:  # drop the county/city prefix
        name = name[places[-1].start + len(places[-1].name) :]
    return name if len(name) >= 3 else None


def resolve_region(agency: str | None, strong_texts: list[str], body: str) -> RegionResult:
    """Resolve the agency's region from its name, from strong texts (title, chrome, portal and compiler
    statements, signature) and from the body. All texts are whitespace-free.

    Confidence: 0.95 from a full name in the agency name (0.7 for a short or context-disambiguated name);
    0.85 from strong texts, 0.75 from a body name next to the agency's township ("余姚马渚"), 0.6 from other
    body mentions — these three scaled down by the share of mentions that disagree.
    """
    gaz = gazetteer()
    township = township_of(agency)
    core = re.sub(r"(镇|乡|街道)$", "", township) if township else None
    if township and _ANONYMISED.search(township):
        township, core = None, None
    result = RegionResult()

    own = gaz.mentions(agency, core) if agency else []
    if own and len({c for m in own for c in m.codes}) == 1:
        # the agency name names one place: other mentions could only weigh between candidates it has not
        return _result(gaz, own[0].codes[0], 0.7 if any(m.short for m in own) else 0.95)
    strong = [m for t in strong_texts for m in gaz.mentions(t, core)]
    body_mentions = gaz.mentions(body, core)
    adjacent = [m for m in body_mentions if core and body.startswith(core, m.start + len(m.name))]
    if own:
        # Only places the agency name itself names are candidates; other mentions merely disambiguate.
        code, _, ambiguous = _best([(m, 1.0) for m in own] + [(m, 0.3) for m in strong + body_mentions], among=own)
        if code and not ambiguous:
            # lower when a short name was used, or context had to choose between places of the same name
            return _result(gaz, code, 0.7 if any(m.short or len(m.codes) > 1 for m in own) else 0.95)
        result.issues.append(_issue("region_ambiguous", f"the agency name's place {[m.name for m in own]} matches several regions"))

    weighted = [(m, 3.0) for m in strong + adjacent] + [(m, 1.0) for m in body_mentions if m not in adjacent]
    code, share, ambiguous = _best(weighted)
    if code and not ambiguous:
        base = 0.85 if strong else 0.75 if adjacent else 0.6
        return _result(gaz, code, round(base * (0.5 + 0.5 * share), 2))
    if code and not result.issues:
        result.issues.append(_issue("region_ambiguous", "the place names in the text match several regions"))
    if township:
        result.region, result.level, result.confidence = township, "township", 0.2
        result.issues.append(_issue("region_unresolved", f"only the township {township} is named; its county is not stated", "info"))
    elif not result.issues:
        result.issues.append(_issue("region_unresolved", "no place name of the gazetteer found"))
    return result


def _result(gaz: Gazetteer, code: str, confidence: float) -> RegionResult:
    return RegionResult(region=gaz.region_name(code), code=code, confidence=confidence, level=gaz.places[code].level)


def _issue(code: str, message: str, severity: str = "warning") -> dict:
    return {"code": code, "severity": severity, "message": message, "location": "metadata.region"}
