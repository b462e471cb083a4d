"""A small built-in gazetteer of real places and the agencies the generator invents in them.

Provinces, prefectural cities and counties are real (so region resolution has something to resolve);
township names are common ones that exist in many counties. An agency's `region` is the full path
province + city + county (as in the gold records, e.g. 浙江省宁波市余姚市), cut at the agency's own level.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

# province -> city -> counties. Municipalities (直辖市) have the province itself as city.
GAZETTEER: dict[str, dict[str, tuple[str, ...]]] = {
    "浙江省": {
        "杭州市": ("西湖区", "余杭区", "桐庐县", "淳安县", "建德市"),
        "宁波市": ("余姚市", "慈溪市", "象山县", "宁海县", "鄞州区"),
        "台州市": ("三门县", "天台县", "仙居县", "温岭市", "临海市"),
        "温州市": ("瑞安市", "乐清市", "永嘉县", "平阳县", "苍南县"),
    },
    "江苏省": {
        "淮安市": ("洪泽区", "淮安区", "清江浦区", "涟水县", "盱眙县", "金湖县"),
        "宿迁市": ("沭阳县", "泗阳县", "泗洪县", "宿城区"),
        "苏州市": ("昆山市", "常熟市", "张家港市", "太仓市", "吴江区"),
        "南京市": ("江宁区", "溧水区", "高淳区", "六合区"),
    },
    "河北省": {
        "保定市": ("涿州市", "安国市", "高碑店市", "清苑区", "涞水县"),
        "唐山市": ("迁安市", "遵化市", "滦州市", "乐亭县"),
        "石家庄市": ("正定县", "藁城区", "晋州市", "赞皇县"),
    },
    "山东省": {
        "济南市": ("历城区", "章丘区", "平阴县", "商河县"),
        "临沂市": ("沂水县", "兰陵县", "费县", "郯城县"),
        "潍坊市": ("寿光市", "青州市", "诸城市", "昌乐县"),
    },
    "四川省": {
        "成都市": ("双流区", "郫都区", "都江堰市", "彭州市", "金堂县"),
        "绵阳市": ("江油市", "三台县", "梓潼县", "盐亭县"),
    },
    "广东省": {
        "江门市": ("新会区", "台山市", "开平市", "恩平市"),
        "韶关市": ("乐昌市", "南雄市", "仁化县", "翁源县"),
    },
    "湖南省": {"长沙市": ("浏阳市", "宁乡市", "长沙县", "望城区")},
    "河南省": {"郑州市": ("新郑市", "登封市", "中牟县", "巩义市")},
    "安徽省": {"合肥市": ("肥西县", "长丰县", "巢湖市", "庐江县")},
    "福建省": {"福州市": ("闽侯县", "福清市", "长乐区", "连江县")},
    "上海市": {"上海市": ("浦东新区", "黄浦区", "崇明区", "嘉定区")},
}

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


def pick_agency(rng: random.Random) -> Agency:
    """Draw an agency: a kind (by KINDS shares), a real place, a name built the way agencies name themselves."""
    kind, level = _pick_kind(rng)
    province = rng.choice(sorted(GAZETTEER))
    city = rng.choice(sorted(GAZETTEER[province]))
    county = rng.choice(GAZETTEER[province][city])
    municipality = province == city
    city_path = province if municipality else province + city
    if kind == "provincial_department":
        dept = rng.choice(PROVINCE_DEPTS).replace("厅", "局") if municipality else rng.choice(PROVINCE_DEPTS)
        return Agency(province + dept, kind, level, province, province, None, None,
                      "我" + dept[-1] if dept[-1] in "厅局委" else "本机关", False)
    if kind == "prefectural_government":
        if municipality:  # a municipality's government is provincial; fall back to a district
            return Agency(county + "人民政府", "county_government", "county", city_path + county, province,
                          city, county, _gov_pronoun(county), False)
        return Agency(city + "人民政府", kind, level, city_path, province, city, None, "市政府", True)
    if kind == "prefectural_department":
        dept = rng.choice(CITY_DEPTS)
        return Agency(city + dept, kind, level, city_path, province, city, None, "我" + dept[-1], False)
    region = city_path + county
    if kind == "county_government":
        name = (city + county if rng.random() < 0.4 and not municipality else county) + "人民政府"
        return Agency(name, kind, level, region, province, city, county, _gov_pronoun(county), False)
    if kind == "county_department":
        dept = rng.choice(COUNTY_DEPTS)
        return Agency(county + dept, kind, level, region, province, city, county, "我" + dept[-1], False)
    town = rng.choice(TOWNS)
    suffix = "办事处" if town.endswith("街道") else "人民政府"
    # Some township titles omit the county (004 马渚镇人民政府): the narrative then names it.
    r = rng.random()
    name = county + town + suffix if r < 0.5 else (town + suffix if r < 0.85 else town)
    pronoun = "我街道" if town.endswith("街道") else "我" + town[-1]
    return Agency(name, kind, level, region, province, city, county, pronoun, False)
