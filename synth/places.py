"""A small built-in gazetteer of real places and the agencies the generator invents in them.

Provinces, prefectural cities and counties are real (so region resolution has something to resolve);
township names are common ones that exist in many counties. An agency's `region` is the full path
province + city + county (as in the gold records, e.g. 浙江省宁波市余姚市), cut at the agency's own level.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from functools import lru_cache

_MUNICIPALITIES = ("11", "12", "31", "50")  # 北京 天津 上海 重庆: their districts sit under 市辖区


@lru_cache(maxsize=1)
def gazetteer_tree() -> dict[str, dict[str, tuple[str, ...]]]:
    """province -> city -> counties of the GB/T 2260 gazetteer shipped in `cpca` (the one the extractor
    resolves regions on). A municipality (直辖市) has the province itself as city; counties directly under a
    province without a city (省直辖县级行政区划) are left out."""
    from pipelines.extract.region import gazetteer

    places = gazetteer().places
    tree: dict[str, dict[str, list[str]]] = {}
    for code in sorted(places):
        if code[2:4] == "00" or code[4:6] == "00" or code[6:] != "000000":
            continue  # provinces and cities themselves
        province = places.get(code[:2] + "0000000000")
        city = province if code[:2] in _MUNICIPALITIES else places.get(code[:4] + "00000000")
        if province and city:
            tree.setdefault(province.name, {}).setdefault(city.name, []).append(places[code].name)
    return {p: {c: tuple(v) for c, v in cities.items()} for p, cities in tree.items()}


TOWNS = (
    "城关镇", "新华镇", "永和镇", "太平镇", "长安镇", "东风镇", "河西镇", "新兴镇", "红星乡",
    "白沙镇", "青山镇", "石桥镇", "三河镇", "双河乡", "金桥镇", "东城街道", "西城街道",
    "南门街道", "朝阳街道", "解放街道", "桃源镇", "马渚镇", "东亭镇", "黄沙乡", "柳林镇",
)
COUNTY_DEPTS = (
    "交通运输局", "自然资源和规划局", "住房和城乡建设局", "农业农村局", "卫生健康局", "市场监督管理局",
    "民政局", "人力资源和社会保障局", "司法局", "应急管理局", "统计局", "财政局", "教育局",
    "发展和改革委员会", "水利局", "文化广电和旅游局", "医疗保障局", "退役军人事务局",
)
CITY_DEPTS = COUNTY_DEPTS + ("卫生健康委员会", "生态环境局", "公安局", "商务局", "审计局")
PROVINCE_DEPTS = (
    "交通运输厅", "自然资源厅", "生态环境厅", "住房和城乡建设厅", "农业农村厅", "水利厅", "商务厅",
    "文化和旅游厅", "卫生健康委员会", "市场监督管理局", "民政厅", "司法厅", "财政厅", "教育厅",
)

# kind, admin_level, share of the corpus
KINDS = (
    ("township", "township", 0.35),
    ("county_department", "county", 0.28),
    ("county_government", "county", 0.10),
    ("prefectural_department", "prefectural", 0.13),
    ("prefectural_government", "prefectural", 0.05),
    ("provincial_department", "provincial", 0.09),
)


@dataclass(frozen=True)
class Agency:
    """An invented agency in a real place."""

    name: str  # as printed in the title, e.g. 余姚市马渚镇人民政府
    kind: str  # one of KINDS
    admin_level: str  # township | county | prefectural | provincial
    region: str  # 浙江省宁波市余姚市
    province: str
    city: str | None
    county: str | None
    pronoun: str  # how the narrative calls itself: 我镇, 我局, 区政府 …
    can_make_rules: bool  # 规章: only provincial and prefectural governments (spec T2-07)


def _pick_kind(rng: random.Random) -> tuple[str, str]:
    x = rng.random()
    for kind, level, share in KINDS:
        x -= share
        if x < 0:
            return kind, level
    return KINDS[0][0], KINDS[0][1]


def _gov_pronoun(county: str) -> str:
    return {"区": "区政府", "县": "县政府"}.get(county[-1], "市政府")


YEARS = tuple(range(2019, 2026))
# The kinds of a corpus drawn by slot, in a cycle of 100 documents: townships and county departments
# are most of the country's agencies (and of its reports), provincial departments a few.
SLOT_SHARES = (("township", 45), ("county_department", 40), ("county_government", 4),
               ("prefectural_department", 8), ("prefectural_government", 1), ("provincial_department", 2))
_LEVELS = {kind: level for kind, level, _ in KINDS}


@lru_cache(maxsize=1)
def _slot_cycle() -> tuple[tuple[str, int], ...]:
    """For each position of the cycle of 100: its kind and its rank among that kind's positions (kinds
    spread evenly: the kind furthest behind its share comes next)."""
    taken = {k: 0 for k, _ in SLOT_SHARES}
    out = []
    for _ in range(100):
        kind = min(SLOT_SHARES, key=lambda ks: (taken[ks[0]] + 0.5) / ks[1])[0]
        out.append((kind, taken[kind]))
        taken[kind] += 1
    return tuple(out)


@lru_cache(maxsize=8)
def _agencies_of(kind: str) -> tuple[tuple[str, str | None, str | None, str | None], ...]:
    """Every agency of a kind, as (province, city, county, department or town), in a fixed order."""
    tree = gazetteer_tree()
    out = []
    for province in sorted(tree):
        if kind == "provincial_department":
            out += [(province, None, None, d) for d in PROVINCE_DEPTS]
            continue
        for city in sorted(tree[province]):
            municipality = province == city
            if kind == "prefectural_government" and not municipality:
                out.append((province, city, None, None))
            elif kind == "prefectural_department" and not municipality:
                out += [(province, city, None, d) for d in CITY_DEPTS]
            for county in tree[province][city]:
                if kind == "county_government":
                    out.append((province, city, county, None))
                elif kind == "county_department":
                    out += [(province, city, county, d) for d in COUNTY_DEPTS]
                elif kind == "township":
                    out += [(province, city, county, t) for t in TOWNS]
    return tuple(out)


def agency_for_slot(corpus: str, slot: int, rng: random.Random) -> tuple[Agency, int]:
    """The agency and report year of document `slot` of a corpus: different slots of one corpus never get the
    same agency and year while the kind has pairs left (1 400+ for provincial departments, hundreds of
    thousands for townships), as no agency publishes two different reports for one year. A fixed
    permutation of the kind's (agency, year) pairs, offset by the corpus seed, orders them."""
    kind, rank = _slot_cycle()[slot % 100]
    count = sum(1 for k, _ in _slot_cycle() if k == kind)
    index = (slot // 100) * count + rank
    agencies = _agencies_of(kind)
    pairs = len(agencies) * len(YEARS)
    offset = int(hashlib.sha256(corpus.encode()).hexdigest()[:12], 16)
    p = (index * 1_000_003 + offset) % pairs  # 1 000 003 is prime and larger than any kind's pairs: a bijection
    province, city, county, item = agencies[p // len(YEARS)]
    return pick_agency(rng, (kind, province, city, county, item)), YEARS[p % len(YEARS)]


def pick_agency(rng: random.Random, spec: tuple | None = None) -> Agency:
    """An agency: drawn at random (a kind by KINDS shares, a real place), or the one `spec` names (kind,
    province, city, county, department or town); its name built the way agencies name themselves."""
    tree = gazetteer_tree()
    if spec is None:
        kind, level = _pick_kind(rng)
        province = rng.choice(sorted(tree))
        city = rng.choice(sorted(tree[province]))
        county = rng.choice(tree[province][city])
        item = None
    else:
        kind, province, city, county, item = spec
        level = _LEVELS[kind]
        city = city or sorted(tree[province])[0]  # a municipality's only city is itself
        county = county or tree[province][city][0]
    municipality = province == city
    city_path = province if municipality else province + city
    if kind == "provincial_department":
        dept = item or rng.choice(PROVINCE_DEPTS)
        dept = dept.replace("厅", "局") if municipality else dept
        return Agency(province + dept, kind, level, province, province, None, None,
                      "我" + dept[-1] if dept[-1] in "厅局委" else "本机关", False)
    if kind == "prefectural_government":
        if municipality:  # a municipality's government is provincial; fall back to a district
            return Agency(county + "人民政府", "county_government", "county", city_path + county, province,
                          city, county, _gov_pronoun(county), False)
        return Agency(city + "人民政府", kind, level, city_path, province, city, None, "市政府", True)
    if kind == "prefectural_department":
        dept = item or rng.choice(CITY_DEPTS)
        return Agency(city + dept, kind, level, city_path, province, city, None, "我" + dept[-1], False)
    region = city_path + county
    if kind == "county_government":
        name = (city + county if rng.random() < 0.4 and not municipality else county) + "人民政府"
        return Agency(name, kind, level, region, province, city, county, _gov_pronoun(county), False)
    if kind == "county_department":
        dept = item or rng.choice(COUNTY_DEPTS)
        return Agency(county + dept, kind, level, region, province, city, county, "我" + dept[-1], False)
    town = item or rng.choice(TOWNS)
    suffix = "办事处" if town.endswith("街道") else "人民政府"
    # Some township titles omit the county (004 马渚镇人民政府): the narrative then names it.
    r = rng.random()
    name = county + town + suffix if r < 0.5 else (town + suffix if r < 0.85 else town)
    pronoun = "我街道" if town.endswith("街道") else "我" + town[-1]
    return Agency(name, kind, level, region, province, city, county, pronoun, False)
