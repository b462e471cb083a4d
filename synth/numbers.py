"""True values of one report's tables, drawn so that every hard identity of spec §3 holds by construction.

Values are plain ints (counts, signed changes) or ints of cents of 万元 for amounts (`*_wan_yuan` cells),
so that no float rounding can ever break an identity; `printing` turns cents into the printed figure.
Magnitudes follow the agency's level: most townships have all-zero application tables, a prefectural
government receives thousands of applications and takes hundreds of thousands of licensing decisions.
"""

from __future__ import annotations

import random

from pipelines.contract import T3_COLS, T4_BLOCKS, T4_OUTCOMES, TEMPLATE_TABLES
from pipelines.contract.identities import detail_rows

APPLICANTS = tuple(c for c in T3_COLS if c != "total")
_OUTCOMES = tuple(o for o in T4_OUTCOMES if o != "total")

# (share of reports with no application at all, low, high) of new applications by admin level
_APPLICATIONS = {
    "township": (0.6, 1, 12),
    "county": (0.35, 1, 80),
    "prefectural": (0.15, 5, 900),
    "provincial": (0.1, 10, 1500),
}
_GOVERNMENT_APPLICATIONS = {"county": (0.02, 20, 400), "prefectural": (0.0, 200, 4000)}
# typical share of each outcome row among decided applications
_OUTCOME_WEIGHTS = {
    "granted": 45, "partially_granted": 8, "denied_state_secret": 0.3, "denied_prohibited_by_law": 0.8,
    "denied_security_stability": 0.4, "denied_third_party_rights": 0.6, "denied_internal_affairs": 0.6,
    "denied_process_information": 1, "denied_enforcement_file": 0.6, "denied_administrative_query": 2,
    "unable_not_held": 20, "unable_needs_creation": 2, "unable_unclear_after_correction": 0.6,
    "not_processed_petition": 2.5, "not_processed_duplicate": 2, "not_processed_publication": 0.3,
    "not_processed_excessive": 0.3, "not_processed_reconfirm": 0.5, "other_handling": 4,
    "other_no_correction": 2.5, "other_fee_unpaid": 0.3, "other_misc": 3,
}
_APPLICANT_WEIGHTS = (88, 7, 0.5, 0.5, 1.5, 2.5)
_SCALE = {"township": 0.02, "county": 0.3, "prefectural": 3, "provincial": 1.5}


def split(rng: random.Random, n: int, weights: tuple[float, ...] | list[float], spread: float = 1.5) -> list[int]:
    """Split n into len(weights) non-negative parts, roughly proportional to randomly jittered weights
    (the larger `spread`, the more a report's mix departs from the typical one)."""
    if n <= 0:
        return [0] * len(weights)
    jittered = [w * rng.random() ** spread for w in weights]
    total = sum(jittered) or 1.0
    parts = [int(n * w / total) for w in jittered]
    for _ in range(n - sum(parts)):  # hand out the remainder, favouring heavy categories
        parts[rng.choices(range(len(weights)), weights=[w + 1e-9 for w in jittered])[0]] += 1
    return parts


def _count(rng: random.Random, scale: float, zero_share: float = 0.0) -> int:
    """A count of about `scale`, log-uniformly spread, zero with probability zero_share."""
    if scale <= 0 or rng.random() < zero_share:
        return 0
    return int(scale * 10 ** rng.uniform(-1, 1))


def t3_values(rng: random.Random, rows: tuple[str, ...], level: str, government: bool) -> dict:
    """T3 rows × columns. Per applicant column: new + carried_in = Σ outcomes + carried_out; total = Σ columns."""
    zero, low, high = (_GOVERNMENT_APPLICATIONS.get(level) if government else None) or _APPLICATIONS[level]
    new = 0 if rng.random() < zero else int(round(low * (high / low) ** rng.random()))
    carried = 0 if new == 0 or rng.random() < 0.5 else int(new * rng.uniform(0, 0.08))
    leaves = [r for r in rows if r in detail_rows("t3_applications")]
    weights = [_OUTCOME_WEIGHTS[r] for r in leaves]
    out_share = 0.0 if rng.random() < 0.5 else rng.uniform(0, 0.08)
    values = {r: dict.fromkeys(T3_COLS, 0) for r in rows}
    for col, n_new, n_carried in zip(APPLICANTS, split(rng, new, _APPLICANT_WEIGHTS, 0.3),
                                     split(rng, carried, _APPLICANT_WEIGHTS, 0.3)):
        workload = n_new + n_carried
        out = int(workload * out_share)
        values["new_received"][col] = n_new
        values["carried_over_in"][col] = n_carried
        values["carried_forward_out"][col] = out
        values["results_total"][col] = workload - out
        for row, n in zip(leaves, split(rng, workload - out, weights)):
            values[row][col] = n
    for cells in values.values():
        cells["total"] = sum(cells[c] for c in APPLICANTS)
    return values


def t4_values(rng: random.Random, applications: int) -> dict:
    """T4 blocks × outcomes; total = upheld + corrected + other_outcome + pending in each block."""
    values = {}
    for block, rate in zip(T4_BLOCKS, (0.08, 0.02, 0.015)):
        n = 0 if applications == 0 or rng.random() < 0.4 else int(applications * rate * rng.uniform(0, 2))
        parts = dict(zip(_OUTCOMES, split(rng, n, (45, 15, 25, 15))))
        values[block] = {**parts, "total": n}
    return values


def t2_values(rng: random.Random, template: str, level: str, can_make_rules: bool, government: bool) -> dict:
    """The T2 tables of the template, in counts (and cents of 万元 for amounts)."""
    s = _SCALE[level] * (3 if government else 1)
    rules = can_make_rules and rng.random() < 0.7
    if template == "v2021":
        t2 = {"t2_art20_1": {}}
        for row, scale in (("regulations", 2 if rules else 0), ("normative_documents", 8 * s ** 0.5)):
            issued = _count(rng, scale, 0.3)
            repealed = _count(rng, scale, 0.5)
            t2["t2_art20_1"][row] = {"issued_count": issued, "repealed_count": repealed,
                                     "in_force_count": issued + _count(rng, scale * 4, 0.1 if scale else 1)}
        t2["t2_art20_5"] = {"administrative_licensing": {"decision_count": _count(rng, 3000 * s, 0.2)}}
        t2["t2_art20_6"] = {"administrative_penalty": {"decision_count": _count(rng, 800 * s, 0.2)},
                            "administrative_coercion": {"decision_count": _count(rng, 30 * s, 0.5)}}
        t2["t2_art20_8"] = {"administrative_fees": {"fee_amount_wan_yuan": _count(rng, 200_000 * s, 0.6)}}
        return t2
    t2 = {"t2_art20_1": {}}
    for row, scale in (("regulations", 2 if rules else 0), ("normative_documents", 8 * s ** 0.5)):
        made = _count(rng, scale, 0.3)
        published = min(made, _count(rng, scale, 0.2)) if rng.random() < 0.8 else made
        t2["t2_art20_1"][row] = {"new_made_count": made, "new_published_count": published,
                                 "published_total_count": published + _count(rng, scale * 5, 0.1 if scale else 1)}
    for table, rows, scales in (("t2_art20_5", ("administrative_licensing", "other_external_services"), (100, 40)),
                                ("t2_art20_6", ("administrative_penalty", "administrative_coercion"), (60, 10))):
        t2[table] = {row: _items(rng, scale * s, with_decisions=True) for row, scale in zip(rows, scales)}
    t2["t2_art20_8"] = {"administrative_fees": _items(rng, 10 * s, with_decisions=False)}
    count = _count(rng, 40 * s, 0.3)
    t2["t2_art20_9"] = {"centralized_procurement": {
        "procurement_project_count": count,
        "procurement_amount_wan_yuan": count * _count(rng, 5000 * s ** 0.5, 0) if count else 0}}
    return t2


def _items(rng: random.Random, scale: float, with_decisions: bool) -> dict:
    """A v2019 (五)/(六)/(八) row: items last year, the signed change (never below -prior), decisions."""
    prior = _count(rng, scale, 0.3)
    change = rng.randint(-prior, max(3, prior // 2)) if rng.random() < 0.6 else 0
    row = {"prior_year_item_count": prior, "item_count_change": change}
    if with_decisions:
        row["decision_count"] = _count(rng, scale * 20, 0.3)
    return row


def table_values(rng: random.Random, template: str, t3_rows: tuple[str, ...], level: str,
                 can_make_rules: bool, government: bool) -> dict:
    """All tables of one report: {table: {row: {col: int}}} in the contract's keys."""
    values = t2_values(rng, template, level, can_make_rules, government)
    values["t3_applications"] = t3_values(rng, t3_rows, level, government)
    workload = values["t3_applications"]["new_received"]["total"]
    values["t4_review_litigation"] = t4_values(rng, workload)
    assert set(values) == set(TEMPLATE_TABLES[template])
    return values
