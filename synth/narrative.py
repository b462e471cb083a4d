"""The six narrative sections of a report, with figures that agree with the printed tables.

The figures stated (新收/办结/结转 applications, 行政复议/诉讼 counts, T2 counts) are read from the printed
gold cells, so narrative and tables agree unless an injected narrative error overrides one claim.
Headings come numbered 一、…六、, 1、…6、 or partly unnumbered (003), with the official aliases.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from pipelines.contract import SECTIONS
from pipelines.contract.grammar import NUMERALS
from synth.places import Agency

_HEADINGS = SECTIONS  # each section's official title, then a variant met in the wild (templates.yml)
_INTRO = (
    "{y}年，{a}深入贯彻落实《中华人民共和国政府信息公开条例》和上级关于政务公开工作的部署要求，坚持以公开为常态、"
    "不公开为例外，持续推进决策、执行、管理、服务、结果公开，政府信息公开工作取得新成效。",
    "根据《中华人民共和国政府信息公开条例》（国令第711号）要求，现公布{a}{y}年度政府信息公开工作年度报告。"
    "本报告中所列数据的统计期限自{y}年1月1日起至{y}年12月31日止。",
    "{y}年，{p}以习近平新时代中国特色社会主义思想为指导，紧紧围绕中心工作和人民群众关切，不断提升政府信息公开"
    "工作的规范化、标准化水平，切实保障人民群众的知情权、参与权、表达权和监督权。",
)
_BOILER = {
    "管理": ("（三）政府信息管理。{p}严格落实政府信息公开保密审查制度，坚持“先审查、后公开”和“一事一审”原则，"
           "全年未发生失泄密事件。动态更新政府信息公开指南和公开目录，做好行政规范性文件的清理工作。",
           "（三）政府信息管理。健全政府信息发布、审查、协调机制，规范政府信息产生、流转、保管流程，"
           "对已公开信息及时进行动态更新，不断提升信息发布质量。"),
    "平台": ("（四）政府信息公开平台建设。充分发挥政府门户网站信息公开第一平台作用，及时更新政府信息公开专栏，"
           "同步利用政务微信、政务微博等新媒体发布信息，拓宽公开渠道。",
           "（四）政府信息公开平台建设。持续优化政府信息公开平台栏目设置，加强网站日常巡查和内容保障，"
           "确保信息发布准确、及时、规范。"),
    "监督": ("（五）监督保障。将政务公开工作纳入年度目标考核，明确专人负责，定期开展业务培训和自查整改，"
           "全年未发生因政府信息公开工作引发的责任追究情况。",
           "（五）监督保障。成立由主要负责同志任组长的政务公开工作领导小组，建立健全考核评议和社会评议制度，"
           "主动接受社会监督，推动各项工作落实落细。"),
}
_PROBLEMS = (
    "{y}年，{p}在政府信息公开工作中取得了一定成效，但也存在一些不足：一是公开内容的深度和广度有待拓展；"
    "二是政策解读形式较为单一；三是工作人员业务能力有待进一步提高。",
    "对照上级新要求和公众新期待，仍存在一些需要改进的地方，主要是信息发布的及时性还不够，个别栏目更新较慢。",
)
_FIXES = (
    "下一步，{p}将进一步加强业务培训，提升工作人员业务水平；丰富政策解读形式，提高解读质量；"
    "加强栏目日常维护，确保信息更新及时准确。",
    "针对上述问题，{p}将着力健全工作机制，压实工作责任，持续深化重点领域信息公开，不断提升政务公开工作质效。",
)
_RECTIFY = "针对上年度报告中提出的问题，{p}已逐项制定整改措施，目前均已整改到位。"


@dataclass
class Section:
    """A section: heading, paragraphs before its tables, the table keys, paragraphs after them."""

    heading: str
    before: list[str] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)
    after: list[str] = field(default_factory=list)


def _z(v) -> int:
    return int(v or 0)


def headings(rng: random.Random) -> list[str]:
    style = rng.choices(("chinese", "arabic", "partial"), (80, 10, 10))[0]
    out = []
    for n, names in enumerate(_HEADINGS):
        name = names[0] if rng.random() < 0.8 else names[-1]
        if style == "arabic":
            out.append(f"{n + 1}、{name}")
        elif style == "partial" and n in (1, 4, 5):
            out.append(name)
        else:
            out.append(f"{NUMERALS[n]}、{name}")
    return out


def claims(cells: dict) -> dict[str, int]:
    """The figures a narrative states, as the tables print them (null → 0)."""
    t3, t4 = cells["t3_applications"], cells["t4_review_litigation"]
    return {"new_received_total": _z(t3["new_received"]["total"]), "results_total": _z(t3["results_total"]["total"]),
            "carried_forward_out_total": _z(t3["carried_forward_out"]["total"]),
            "carried_over_in_total": _z(t3["carried_over_in"]["total"]),
            "granted": _z(t3["granted"]["total"]), "partially_granted": _z(t3["partially_granted"]["total"]),
            "admin_review_total": _z(t4["admin_review"]["total"]),
            "litigation_total": _z(t4["litigation_direct"]["total"]) + _z(t4["litigation_after_review"]["total"])}


def _t2_sentence(cells: dict, template: str, p: str, y: int) -> str:
    lic = _z(cells["t2_art20_5"]["administrative_licensing"]["decision_count"])
    pen = _z(cells["t2_art20_6"]["administrative_penalty"]["decision_count"])
    doc = cells["t2_art20_1"]["normative_documents"]
    if template == "v2021":
        return (f"（一）主动公开。{y}年，{p}制发行政规范性文件{_z(doc['issued_count'])}件，废止"
                f"{_z(doc['repealed_count'])}件，现行有效{_z(doc['in_force_count'])}件；作出行政许可决定{lic}件，"
                f"行政处罚决定{pen}件。")
    proc = cells["t2_art20_9"]["centralized_procurement"]
    amount = f"{proc['procurement_amount_wan_yuan'] or 0:.2f}".rstrip("0").rstrip(".")
    return (f"（一）主动公开。全年公开规范性文件{_z(doc['new_published_count'])}件，行政许可{lic}件，"
            f"行政处罚{pen}件，政府集中采购{_z(proc['procurement_project_count'])}项，采购总金额{amount}万元。")


def _applications(c: dict, p: str, y: int, rng: random.Random) -> str:
    if not any(c[k] for k in ("new_received_total", "results_total", "carried_forward_out_total",
                              "carried_over_in_total")):
        return rng.choice((f"{y}年度，{p}未收到政府信息公开申请。", f"{y}年，{p}共收到政府信息公开申请0件。"))
    carried = f"，上年结转{c['carried_over_in_total']}件" if c["carried_over_in_total"] else ""
    return (f"{y}年，{p}共新收政府信息公开申请{c['new_received_total']}件{carried}。全年办结"
            f"{c['results_total']}件，其中予以公开{c['granted']}件，部分公开{c['partially_granted']}件；"
            f"结转下年度继续办理{c['carried_forward_out_total']}件。")


def _review(c: dict, p: str, y: int, rng: random.Random) -> str:
    if not c["admin_review_total"] and not c["litigation_total"] and rng.random() < 0.6:
        return f"{y}年，{p}未发生因政府信息公开被申请行政复议、提起行政诉讼的情况。"
    return f"{y}年，{p}因政府信息公开被申请行政复议{c['admin_review_total']}件，被提起行政诉讼{c['litigation_total']}件。"


def sections(rng: random.Random, agency: Agency, year: int, template: str, cells: dict,
             misstate: dict[str, int]) -> list[Section]:
    """The six sections; `misstate` overrides claims (injected narrative errors)."""
    p, a, y = agency.pronoun, agency.name, year
    c = {**claims(cells), **misstate}
    heads = headings(rng)
    fmt = {"p": p, "a": a, "y": y}
    s1 = Section(heads[0], [rng.choice(_INTRO).format(**fmt)])
    if agency.county and agency.county not in a:  # a township title without its county (004): name it here
        s1.before[0] = f"在{agency.county}委、{agency.county}政府的正确领导下，" + s1.before[0]
    s1.before.append(_t2_sentence(cells, template, p, y))
    s1.before.append("（二）依申请公开。" + _applications(c, p, y, rng))
    s1.before += [rng.choice(_BOILER[k]).format(**fmt) for k in ("管理", "平台", "监督")]
    s2 = Section(heads[1], [], [k for k in cells if k.startswith("t2_")])
    s3 = Section(heads[2], [_applications(c, p, y, rng)] if rng.random() < 0.5 else [], ["t3_applications"])
    s4 = Section(heads[3], [_review(c, p, y, rng)], ["t4_review_litigation"])
    s5 = Section(heads[4], [rng.choice(_PROBLEMS).format(**fmt), rng.choice(_FIXES).format(**fmt)])
    if template == "v2021" or year >= 2021:
        s5.before.insert(0, _RECTIFY.format(**fmt))
    s6 = Section(heads[5], [_fee_sentence(rng, cells, p, y)])
    return [s1, s2, s3, s4, s5, s6]


def _fee_sentence(rng: random.Random, cells: dict, p: str, y: int) -> str:
    unpaid = _z(cells["t3_applications"].get("other_fee_unpaid", {}).get("total"))
    if unpaid or rng.random() < 0.2:
        notices = unpaid + rng.randint(0, 3)
        return (f"{y}年，{p}依据《政府信息公开信息处理费管理办法》发出收费通知{notices}件，"
                f"收取信息处理费{rng.randint(1, 60) * 100 if notices else 0}元。")
    return rng.choice((f"{y}年，{p}未收取政府信息公开信息处理费。", "依据《政府信息公开信息处理费管理办法》规定，"
                       "本年度未收取政府信息处理费。无其他需要报告的事项。"))
