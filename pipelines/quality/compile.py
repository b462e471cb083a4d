"""The identities (`sum` rules) and value rules (`cells` rules other than placeholders_consistent) of the
suites compiled into SQL over `report_cells`: one pass in DuckDB gives their residual rows for every report
of a run, the same rows `evaluate.py` computes in Python (which stays for `nianbao check` and the tests, and
is what tests/unit/test_compiled_rules.py compares against).

Nothing of a rule is restated here: its refs, tables, template, cross-year flag, comparison and the
expected rows of each template are read from the suite files and pipelines/contract/__init__.py and passed to one
fixed SQL text as bound tables (Arrow), so a rule added to a YAML file is compiled without a change here.
Placeholder policy as in evaluate.py (spec §2.5): NA/EMPTY count as 0; a missing cell or a TEXT cell makes
the instance NOT_ASSESSABLE (the first in ref order is named), and so does a total left EMPTY while the
instance has non-zero numbers. Sums are added in ref order from 0.0, as Python does, so residuals are
bit-identical. The few messages that quote a printed value (Python's repr) are finished in Python.
"""

from __future__ import annotations

import duckdb
import polars as pl

from pipelines.contract import OTHER_AS_ONE_ROW, T3_COLS, TEMPLATE_TABLES
from pipelines.quality.evaluate import _bare, _expected_rows, _ref, _side, is_total_sql
from pipelines.quality.suites import Rule

RAW = "⟦raw⟧"  # in a message: replaced by repr(value_raw) in Python


def compiled(rule: Rule) -> bool:
    """Rules whose residuals come from SQL in the checks asset."""
    return rule.kind == "sum" or (rule.kind == "cells" and rule.params.get("check") != "placeholders_consistent")


def _tables(rule: Rule) -> list[str]:
    t = rule.params.get("table") if rule.kind == "sum" else rule.params["tables"]
    return t if isinstance(t, list) else [t]


def constants(rules: list[Rule]) -> dict[str, pl.DataFrame]:
    """The bound tables the SQL reads: rules, their refs, the expected rows and column types per template."""
    sums = [r for r in rules if r.kind == "sum"]
    rule_rows = [{"rule_id": r.id, "template": r.params.get("template"), "cross_year": bool(r.params.get("cross_year")),
                  "op": "≤" if r.params.get("compare") == "le" else "=", "lhs_text": _side(r.params["lhs"]),
                  "rhs_text": _side(r.params["rhs"])} for r in sums]
    fixed, per_row = [], []
    for r in sums:
        p = r.params
        sides = [("lhs", ref) for ref in p["lhs"]] + [("rhs", ref) for ref in p["rhs"]]
        for table in _tables(r):
            for ord_, (side, ref) in enumerate(sides):
                prev, sign = _ref(ref)
                base = {"rule_id": r.id, "ord": ord_, "side": side, "prev": prev, "sign": float(sign), "tbl": table}
                if p.get("for_each") == "row":
                    per_row.append(base | {"ref_col": _bare(ref)})
                elif p.get("for_each") == "col":
                    fixed += [base | {"scope": f"{table}.*.{col}", "ref_row": _bare(ref), "ref_col": col}
                              for col in T3_COLS]
                else:
                    first = _bare(sides[0][1]).split(".", 1)[0]
                    fixed.append(base | {"scope": f"{table}.{first}", "ref_row": _bare(ref).split(".", 1)[0],
                                         "ref_col": _bare(ref).split(".", 1)[1]})
    expected = [{"template": t, "tbl": table, "one_row": one_row, "row_key": row}
                for t, spec in TEMPLATE_TABLES.items() for table in spec for one_row in (False, True)
                for row in _expected_rows(t, table, one_row)]
    types = [{"template": t, "tbl": table, "col": col, "typ": typ}
             for t, spec in TEMPLATE_TABLES.items() for table, s in spec.items() for col, typ in s.cols.items()]
    first_type: dict[tuple[str, str], str] = {}
    for row in types:  # a report of no known template: the first template that has the column
        first_type.setdefault((row["tbl"], row["col"]), row["typ"])
    cells = [{"rule_id": r.id, "tbl": t} for r in rules if r.kind == "cells" and compiled(r) for t in _tables(r)]
    return {
        "chk_rules": pl.DataFrame(rule_rows, schema={"rule_id": pl.String, "template": pl.String,
                                                     "cross_year": pl.Boolean, "op": pl.String,
                                                     "lhs_text": pl.String, "rhs_text": pl.String}),
        "chk_fixed_refs": pl.DataFrame(fixed, schema={"rule_id": pl.String, "ord": pl.Int32, "side": pl.String,
                                                      "prev": pl.Boolean, "sign": pl.Float64, "tbl": pl.String,
                                                      "scope": pl.String, "ref_row": pl.String, "ref_col": pl.String}),
        "chk_row_refs": pl.DataFrame(per_row, schema={"rule_id": pl.String, "ord": pl.Int32, "side": pl.String,
                                                      "prev": pl.Boolean, "sign": pl.Float64, "tbl": pl.String,
                                                      "ref_col": pl.String}),
        "chk_expected": pl.DataFrame(expected, schema={"template": pl.String, "tbl": pl.String,
                                                       "one_row": pl.Boolean, "row_key": pl.String}),
        "chk_types": pl.DataFrame(types, schema={"template": pl.String, "tbl": pl.String, "col": pl.String,
                                                 "typ": pl.String}),
        "chk_any_types": pl.DataFrame([{"tbl": t, "col": c, "typ": v} for (t, c), v in first_type.items()],
                                      schema={"tbl": pl.String, "col": pl.String, "typ": pl.String}),
        "chk_cell_rules": pl.DataFrame(cells, schema={"rule_id": pl.String, "tbl": pl.String}),
        "chk_templates": pl.DataFrame({"template": list(TEMPLATE_TABLES)}),
    }


# `chk_reports` (report_id, checked, previous_id) holds the reports to check and their previous years; the
# residuals are inserted into chk_residuals (created empty by `residuals`)
_SQL = f"""
insert into chk_residuals
with ids as materialized (  -- the 64-character report ids as small integers while the rules are evaluated
    select report_id as id, (row_number() over ())::integer as report_id, checked, previous_id from chk_reports),
cells as materialized (
    select i.report_id, c.table_key, c.row_key, c.col_key, c.value, c.semantic, c.value_raw
    from report_cells c join ids i on i.id = c.report_id),
keys as materialized (  -- each distinct cell address as a small integer, and whether it is a total, once
    select table_key, row_key, col_key, (row_number() over ())::integer as key,
           {is_total_sql('table_key', 'row_key', 'col_key')} as is_total
    from (select distinct table_key, row_key, col_key from cells)),
keyed as materialized (
    select c.report_id, k.key, c.value, c.semantic, c.value_raw, k.is_total
    from cells c join keys k on k.table_key = c.table_key and k.row_key = c.row_key and k.col_key = c.col_key),
one_row as (
    select distinct report_id from cells where table_key = 't3_applications' and row_key = '{OTHER_AS_ONE_ROW}'),
reps as materialized (
    select k.report_id, k.checked, p.report_id as previous_id, r.template, r.doc_type,
           o.report_id is not null as one_row, t.template is not null as known_template
    from ids k join reports r on r.report_id = k.id left join ids p on p.id = k.previous_id
    left join one_row o on o.report_id = k.report_id left join chk_templates t on t.template = r.template),
wanted as materialized (
    select r.report_id, e.tbl, e.row_key from reps r
    join chk_expected e on e.template = r.template and e.one_row = (e.tbl = 't3_applications' and r.one_row)),
has_wanted as materialized (select distinct report_id, tbl from wanted),
row_sets as (
    select report_id, tbl, row_key from wanted
    union all
    select * from (select distinct report_id, table_key as tbl, row_key from cells) c
    anti join has_wanted h using (report_id, tbl)),
checked as (
    select r.report_id, r.previous_id, u.* from reps r cross join chk_rules u
    where r.checked and r.doc_type = 'annual_report' and coalesce(u.template = r.template, u.template is null)
      and (not u.cross_year or r.previous_id is not null)),
refs as (
    select k.report_id, k.rule_id, f.scope, f.ord, f.side, f.prev, f.sign, f.tbl, f.ref_row, f.ref_col,
           case when f.prev then k.previous_id else k.report_id end as source
    from checked k join chk_fixed_refs f using (rule_id)
    union all
    select k.report_id, k.rule_id, f.tbl || '.' || s.row_key, f.ord, f.side, f.prev, f.sign, f.tbl, s.row_key, f.ref_col,
           case when f.prev then k.previous_id else k.report_id end
    from checked k join chk_row_refs f using (rule_id)
    join row_sets s on s.report_id = k.report_id and s.tbl = f.tbl),
looked as (  -- a ref's cell found by its address's integer (no key: no such cell in the run)
    select f.*, c.report_id is null as missing, c.semantic, c.value, c.value_raw, c.is_total
    from refs f
    left join has_wanted h on h.report_id = f.source and h.tbl = f.tbl
    left join wanted w on w.report_id = f.source and w.tbl = f.tbl and w.row_key = f.ref_row
    left join keys k on k.table_key = f.tbl and k.row_key = f.ref_row and k.col_key = f.ref_col
    left join keyed c on c.report_id = f.source and c.key = k.key
    where h.report_id is null or w.report_id is not null),
inst as (  -- one pass over the refs (a second one kept `looked`, millions of rows, materialized for it);
           -- a sum of whole numbers below 2^52 is exact in any order
    select report_id, rule_id, scope,
           count(*) filter (where missing or semantic = 'TEXT') > 0 as has_problem,
           count(*) filter (where value is null and semantic = 'EMPTY' and is_total) > 0 as blank_total,
           count(*) filter (where value is not null and value <> 0) > 0 as numbers,
           count(*) filter (where value is null) > 0 as placeholders,
           coalesce(sum(sign * coalesce(value, 0.0)) filter (where side = 'lhs'), 0.0) + 0.0 as lhs_any_order,
           coalesce(sum(sign * coalesce(value, 0.0)) filter (where side = 'rhs'), 0.0) + 0.0 as rhs_any_order,
           coalesce(bool_or(value <> trunc(value) or abs(value) >= 4503599627370496), false) as inexact,
           -- the first missing or text ref of an instance
           arg_min(struct_pack(prev := prev, tbl := tbl, ref_row := ref_row, ref_col := ref_col, missing := missing,
                               raw := value_raw), ord) filter (where missing or semantic = 'TEXT') as problem,
           -- for a sum that is not exact in any order: the terms, to add in ref order from 0.0 as Python adds them
           list(struct_pack(o := ord, v := sign * coalesce(value, 0.0))) filter (where side = 'lhs') as lhs_terms,
           list(struct_pack(o := ord, v := sign * coalesce(value, 0.0))) filter (where side = 'rhs') as rhs_terms
    from looked group by all),
summed as (
    select i.* exclude (lhs_terms, rhs_terms),
           case when inexact and not has_problem
                then list_reduce(list_transform(list_sort(coalesce(lhs_terms, [])), t -> t.v), (a, b) -> a + b, 0.0::double)
                else lhs_any_order end as lhs,
           case when inexact and not has_problem
                then list_reduce(list_transform(list_sort(coalesce(rhs_terms, [])), t -> t.v), (a, b) -> a + b, 0.0::double)
                else rhs_any_order end as rhs,
           not i.has_problem and not (i.blank_total and i.numbers) as ok
    from inst i),
typed as (
    select r.report_id, c.*, t.rule_id,
           case when r.known_template then coalesce(kt.typ, 'int') else coalesce(ka.typ, 'int') end as typ
    from reps r join cells c using (report_id) join chk_cell_rules t on t.tbl = c.table_key
    left join chk_types kt on kt.template = r.template and kt.tbl = c.table_key and kt.col = c.col_key
    left join chk_any_types ka on ka.tbl = c.table_key and ka.col = c.col_key
    where r.checked and r.doc_type = 'annual_report'),
judged as (
    select *, case when semantic = 'TEXT' then 'text in a number cell'
                   when value is not null and typ in ('int', 'amt') and value < 0 then 'negative'
                   when value is not null and typ in ('int', 'sint') and value <> trunc(value)
                       then 'not a whole number' end as why
    from typed)
select x.id as report_id, i.rule_id, i.scope,
       case when ok then lhs end as observed, case when ok then rhs end as expected,
       case when ok then lhs - rhs end as residual, ok as assessable,
       case when i.problem is not null and i.problem.missing
                then case when i.problem.prev then 'last year ' else '' end || i.problem.tbl || '.'
                     || i.problem.ref_row || '.' || i.problem.ref_col || ' is missing'
            when i.problem is not null
                then i.problem.tbl || '.' || i.problem.ref_row || '.' || i.problem.ref_col || ' is text ({RAW})'
            when not ok then 'a total left blank while its parts are numbers'
            else printf('%s = %g should %s %s = %g (difference %g)', u.lhs_text, lhs, u.op, u.rhs_text, rhs, lhs - rhs)
                 || case when placeholders then '; placeholders read as 0 (placeholder_as_zero)' else '' end
       end as message,
       case when i.problem is not null and not i.problem.missing then i.problem.raw end as raw
from summed i join chk_rules u using (rule_id) join ids x on x.report_id = i.report_id
union all
select x.id, j.rule_id, j.table_key || '.' || j.row_key || '.' || j.col_key, j.value, null,
       case when j.why is null then 0.0 else 1.0 end, true,
       case when j.why is null then '' else j.why || ': {RAW}' end, case when j.why is not null then j.value_raw end
from judged j join ids x on x.report_id = j.report_id
"""


# reports checked per execution of _SQL: its materialized steps, list aggregates and arg_min hold a whole
# execution's cells in memory, which DuckDB cannot spill: 100 000 reports at once ran out of the run's 1 GB
# (NIANBAO_DUCKDB_MEMORY); a chunk's memory does not grow with the run
CHUNK_REPORTS = 5000


def chunks(reports: pl.DataFrame, size: int = CHUNK_REPORTS) -> list[pl.DataFrame]:
    """`reports` (report_id, checked, previous_id) cut into frames of at most `size` checked reports, each with
    the previous years its reports' cross-year rules read (unchecked, unless in the same frame)."""
    checked = reports.filter(pl.col("checked"))
    out = []
    for start in range(0, max(checked.height, 1), size):
        part = checked.slice(start, size)
        previous = part.select(pl.col("previous_id").alias("report_id")).drop_nulls().unique() \
            .join(part.select("report_id"), on="report_id", how="anti")
        out.append(pl.concat([part, previous.with_columns(checked=pl.lit(False), previous_id=pl.lit(None, pl.String))
                              .select(reports.columns)], how="vertical_relaxed"))
    return out


def residuals(conn: duckdb.DuckDBPyConnection, rules: list[Rule], reports: pl.DataFrame) -> None:
    """Create temp table chk_residuals (report_id, rule_id, scope, observed, expected, residual, assessable,
    message) for the compiled rules on `reports` (report_id, checked, previous_id: the reports to check
    and, unchecked, the previous years their cross-year rules read), CHUNK_REPORTS checked reports at a time."""
    conn.execute("""create or replace temp table chk_residuals (report_id varchar, rule_id varchar, scope varchar,
                    observed double, expected double, residual double, assessable boolean, message varchar,
                    raw varchar)""")
    constant = constants([r for r in rules if compiled(r)])
    for name, frame in constant.items():
        conn.register(name, frame.to_arrow())
    try:
        for part in chunks(reports.cast({"checked": pl.Boolean, "previous_id": pl.String}), CHUNK_REPORTS):
            conn.register("chk_reports", part.to_arrow())
            try:
                conn.execute(_SQL)
            finally:
                conn.unregister("chk_reports")
    finally:
        for name in constant:
            conn.unregister(name)
    quoted = conn.execute("select distinct raw from chk_residuals where raw is not null").fetchall()
    if quoted:
        conn.register("chk_repr", pl.DataFrame({"raw": [q for (q,) in quoted], "shown": [repr(q) for (q,) in quoted]})
                      .to_arrow())
        conn.execute("""update chk_residuals r set message = replace(r.message, ?, q.shown)
                        from chk_repr q where r.raw = q.raw""", [RAW])
        conn.unregister("chk_repr")
    conn.execute("update chk_residuals set message = replace(message, ?, 'None') where contains(message, ?)", [RAW, RAW])
    conn.execute("alter table chk_residuals drop column raw")
