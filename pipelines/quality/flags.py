"""The rules whose inputs need a few lines of Python (GX cannot express them): each returns residual rows
with a violation count (0 = the rule holds) that Great Expectations then validates like any other.

Every threshold a function applies is a `params` entry of its rule in expectations/ (`rule.param(name)`),
where the rule's descriptions state it; nothing here restates one."""

from __future__ import annotations

import re
from datetime import date

from rapidfuzz import fuzz

from pipelines import contract as C
from pipelines.contract.grammar import MONEY_UNITS, NUMERALS
from pipelines.contract.identities import of_table
from pipelines.extract.labels import SECTIONS
from pipelines.extract.outline import outline
from pipelines.quality.model import ReportData, Row
from pipelines.quality.suites import Rule

_PERIOD = re.compile(r"(20\d{2})\s*年?\s*0?1\s*月\s*0?1\s*日")


def _row(rule: Rule, report: ReportData, scope: str, violation: float | None, message: str,
         observed: float | None = None, expected: float | None = None) -> list[Row]:
    return [Row(report.report_id, rule.id, scope, observed, expected, violation, violation is not None, message)]


def _total(report: ReportData, row: str, table: str = "t3_applications", col: str = "total") -> float | None:
    cell = report.cells.get((table, row, col))
    return None if cell is None else (cell.value or 0.0)


def structure_complete(rule: Rule, report: ReportData) -> list[Row]:
    if report.doc_type != "annual_report":
        return []
    codes = set(rule.param("gaps"))
    gaps = [i for i in report.issues if i["code"] in codes]
    where = ", ".join(sorted({i.get("location") or "" for i in gaps})[:6])
    return _row(rule, report, "report", float(len(gaps)), f"missing: {where}" if gaps else "complete")


def title_year_matches_period(rule: Rule, report: ReportData) -> list[Row]:
    years = [int(y) for y in _PERIOD.findall(re.sub(r"\s+", "", report.text or ""))]
    if not years or report.year is None:
        return _row(rule, report, "report", None, "no statistical period stated")
    period = max(set(years), key=years.count)
    return _row(rule, report, "report", float(period != report.year),
                f"title year {report.year}, statistical period {period}", float(report.year), float(period))


def rules_by_level(rule: Rule, report: ReportData) -> list[Row]:
    if report.doc_type != "annual_report" or not report.admin_level:
        return []
    agency = report.agency or ""
    can_make_rules = report.admin_level in rule.param("rule_making_levels") or (
        report.admin_level in rule.param("rule_making_governments") and "人民政府" in agency and "办公" not in agency)
    regulations = sum((c.value or 0) for k, c in report.cells.items() if k[0] == "t2_art20_1" and k[1] == "regulations"
                      and k[2] in ("issued_count", "new_made_count"))
    documents = sum((c.value or 0) for k, c in report.cells.items()
                    if k[:2] == ("t2_art20_1", "normative_documents") and k[2] in ("issued_count", "new_made_count"))
    problems = []
    if regulations > 0 and not can_make_rules:
        problems.append(f"{regulations:g} 规章 from a {report.admin_level} body that cannot make rules")
    if report.admin_level == "township" and documents >= rule.param("township_documents_from"):
        problems.append(f"{documents:g} normative documents made by a township")
    return _row(rule, report, "t2_art20_1", float(len(problems)), "; ".join(problems) or "plausible")


# The amount columns (type amt, in 万元) of the contract's tables, as (table, column)
_AMOUNT_COLS = frozenset((table, col) for table, entry in C.TABLES.items() for col, c in entry["cols"].items()
                         if c.get("type") == "amt")


def amount_magnitude(rule: Rule, report: ReportData) -> list[Row]:
    problems = []
    township_max, unitless_from = rule.param("township_max_wan_yuan"), rule.param("unitless_from")
    amounts = [(key, cell) for key, cell in report.cells.items() if (key[0], key[2]) in _AMOUNT_COLS]
    for key, cell in amounts:
        if cell.value is None:
            continue
        if report.admin_level == "township" and cell.value > township_max:
            problems.append(f"{'.'.join(key)} = {cell.value:g} 万元 at a township")
        elif cell.value >= unitless_from and not any(unit in cell.raw for unit in MONEY_UNITS):
            problems.append(f"{'.'.join(key)} = {cell.raw} with no unit: probably 元")
    if not amounts:
        return []
    return _row(rule, report, "t2", float(len(problems)), "; ".join(problems) or "plausible")


def template_matches_year(rule: Rule, report: ReportData) -> list[Row]:
    if report.template not in ("v2019", "v2021") or report.year is None:
        return []
    first = rule.param("v2021_from")
    wrong = (report.year >= first and report.template == "v2019") or (report.year < first and report.template == "v2021")
    return _row(rule, report, "report", float(wrong), f"{report.year} report in the {report.template} template")


def _deadline(rule: Rule, report: ReportData) -> date:
    agency = report.agency or ""
    government = "人民政府" in agency and report.admin_level != "township" and "办公" not in agency
    day = rule.param("government_deadline" if government else "deadline")
    return date(report.year + 1, day["month"], day["day"])


def published_on_time(rule: Rule, report: ReportData) -> list[Row]:
    if not report.publication_date or report.year is None or report.doc_type != "annual_report":
        return _row(rule, report, "report", None, "no publication date") if report.doc_type == "annual_report" else []
    published = date.fromisoformat(report.publication_date[:10])
    deadline = _deadline(rule, report)
    if published <= date(report.year, 12, 31):
        return _row(rule, report, "report", 1.0, f"published {published}, before the {report.year} period ended")
    late = (published - deadline).days
    return _row(rule, report, "report", float(late > 0),
                f"published {published}, {late} days after the {deadline} deadline" if late > 0 else "on time")


def six_sections(rule: Rule, report: ReportData) -> list[Row]:
    if report.doc_type != "annual_report" or not report.text:
        return []
    found, numerals = outline(report.text)
    problems = []
    missing = [SECTIONS[k].word for k in range(6) if k not in found]
    if missing:
        problems.append(f"missing {', '.join(missing)}")
    starts = [found[k].start for k in sorted(found)]
    if starts != sorted(starts):
        problems.append("out of order")
    misnumbered = [f"{SECTIONS[k].word} as {h.numeral or 'unnumbered'}" for k, h in sorted(found.items())
                   if h.numeral != NUMERALS[k]]
    if misnumbered:
        problems.append("numbering: " + "; ".join(misnumbered))
    extra = sorted({n for n in numerals if n in NUMERALS[6:]})
    if extra:
        problems.append(f"extra sections {'、'.join(extra)}")
    return _row(rule, report, "outline", float(len(problems)), "; ".join(problems) or "six sections in order")


def fee_statement(rule: Rule, report: ReportData) -> list[Row]:
    if report.template != rule.param("template") or report.doc_type != "annual_report" or report.text is None:
        return []
    unpaid = _total(report, "other_fee_unpaid") or 0.0
    mentions = bool(re.search(rule.param("statement"), report.text))
    if mentions:
        return _row(rule, report, "s6_other", 0.0, "信息处理费 stated")
    why = f"{unpaid:g} applications ended for unpaid fees, and" if unpaid else "the report"
    return _row(rule, report, "s6_other", 1.0, f"{why} says nothing of the 信息处理费")


def problems_section(rule: Rule, report: ReportData) -> list[Row]:
    if report.doc_type != "annual_report" or not report.text:
        return []
    found, _ = outline(report.text)
    if 4 not in found:
        return _row(rule, report, "s5_problems", None, "no section 五 heading found")
    heading = found[4]
    end = min([h.start for h in found.values() if h.start > heading.start] or [len(report.text)])
    body = re.sub(r"\s+", "", report.text[heading.end:end])
    empty = len(body) <= rule.param("more_than_chars") or body.strip("。.") in ("无", "")
    return _row(rule, report, "s5_problems", float(empty), f"{len(body)} characters" if not empty else "empty or 无")


def narrative_sums(rule: Rule, report: ReportData) -> list[Row]:
    sums = [c for c in report.claims if c["claim"] == "active_disclosure_parts_sum"]
    totals = [c for c in report.claims if c["claim"] == "active_disclosure_total"]
    if not sums or not totals:
        return []
    rows = []
    for s in sums:
        total = min(totals, key=lambda t: abs((t.get("offset") or 0) - (s.get("offset") or 0)))
        if "overlapping_channels" in (s.get("qualifier") or "") + (total.get("qualifier") or ""):
            rows.append(Row(report.report_id, rule.id, "active_disclosure", s["value"], total["value"], None, False,
                            "the text says the same item is counted once across channels"))
            continue
        diff = (s["value"] or 0) - (total["value"] or 0)
        rows.append(Row(report.report_id, rule.id, "active_disclosure", s["value"], total["value"], float(diff != 0),
                        True, f"listed parts add up to {s['value']:g}, the stated total is {total['value']:g}"))
    return rows


def applications_jump(rule: Rule, report: ReportData) -> list[Row]:
    prev = report.previous
    now, before = _total(report, "new_received"), _total(prev, "new_received") if prev else None
    if now is None or before is None:
        return []
    if before < rule.param("min_base"):
        return _row(rule, report, "new_received.total", None, f"last year's base {before:g} < {rule.param('min_base')}")
    ratio = now / before
    jump = ratio > rule.param("max_ratio") or ratio < rule.param("min_ratio")
    return _row(rule, report, "new_received.total", float(jump),
                f"{before:g} → {now:g} (×{ratio:.2f})", now, before)


def review_without_workload(rule: Rule, report: ReportData) -> list[Row]:
    prev = report.previous
    if prev is None:
        return []
    t4 = {b: _total(report, b, "t4_review_litigation") for b in C.T4_BLOCKS}
    if any(v is None for v in t4.values()):
        return []
    workload = [(_total(r, "new_received") or 0) + (_total(r, "carried_over_in") or 0) for r in (report, prev)]
    problems = []
    if sum(t4.values()) > 0 and not any(workload):
        problems.append("review or litigation with no applications this year or last")
    prev_review = _total(prev, "admin_review", "t4_review_litigation") or 0
    if t4["litigation_after_review"] > t4["admin_review"] + prev_review:
        problems.append(f"{t4['litigation_after_review']:g} suits after review > {t4['admin_review'] + prev_review:g} "
                        "reviews in two years")
    return _row(rule, report, "t4_review_litigation", float(len(problems)), "; ".join(problems) or "plausible")


def _prose(text: str, digit_share: float) -> str:
    return "\n".join(line for line in text.split("\n") if len(re.findall(r"\d", line)) < len(line) * digit_share)


def copy_paste(rule: Rule, report: ReportData) -> list[Row]:
    if report.previous is None or not report.text or not report.previous.text:
        return []
    share, most = rule.param("prose_max_digit_share"), rule.param("max_similarity")
    similarity = fuzz.ratio(_prose(report.text, share), _prose(report.previous.text, share)) / 100
    return _row(rule, report, "narrative", float(similarity > most),
                f"similarity to last year's report {similarity:.3f}", similarity, most)


def summary_covers_own(rule: Rule, report: ReportData) -> list[Row]:
    own = report.own
    if own is None:
        return []
    smaller = [k for k, c in report.cells.items() if k in own.cells and (c.value or 0) < (own.cells[k].value or 0)]
    return _row(rule, report, "jurisdiction_summary", float(len(smaller)),
                f"{len(smaller)} counts below the government's own report" if smaller else "covers its own report")


# T3's identity within a row (T3-02): its total column and the applicant columns that total adds up
_T3_ROW_TOTAL = next(i for i in of_table("t3_applications") if i.for_each == "row" and len(i.lhs) == 1)


def placeholders_consistent(rule: Rule, report: ReportData) -> list[Row]:
    t3 = {k: c for k, c in report.cells.items() if k[0] == "t3_applications"}
    if not t3:
        return []
    placeholders = sum(c.semantic == "NA" for c in t3.values())
    zeros = sum(c.semantic == "ZERO" for c in t3.values())
    blank_totals = [k for k, c in t3.items() if k[2] in _T3_ROW_TOTAL.lhs and c.semantic == "EMPTY"
                    and any(t3.get((k[0], k[1], col)) and t3[(k[0], k[1], col)].value for col in _T3_ROW_TOTAL.rhs)]
    problems = ([f"{placeholders} placeholders and {zeros} zeros"] if placeholders and zeros else []) + (
        [f"{len(blank_totals)} totals blank with numeric parts"] if blank_totals else [])
    return _row(rule, report, "t3_applications", float(len(problems)), "; ".join(problems) or "consistent")


def version_conflict(rule: Rule, report: ReportData) -> list[Row]:
    rivals = report.rivals
    return _row(rule, report, "report", float(len(rivals)),
                f"{len(rivals)} other document(s) claim the same agency, year and scope with different cells, and "
                f"no replacement orders them: {', '.join(rivals[:5])}" if rivals else "no conflicting version")


CHECKS = {
    "structure_complete": structure_complete,
    "title_year_matches_period": title_year_matches_period,
    "rules_by_level": rules_by_level,
    "amount_magnitude": amount_magnitude,
    "template_matches_year": template_matches_year,
    "published_on_time": published_on_time,
    "six_sections": six_sections,
    "fee_statement": fee_statement,
    "problems_section": problems_section,
    "narrative_sums": narrative_sums,
    "applications_jump": applications_jump,
    "review_without_workload": review_without_workload,
    "copy_paste": copy_paste,
    "summary_covers_own": summary_covers_own,
    "version_conflict": version_conflict,
}
