-- mart: mart_outcome_breakdown
-- grain: region × admin level × year × outcome row × applicant column
-- description: Long: region/level/year × outcome row × applicant column.
-- 说明: 申请办理结果明细（长表）：地区/层级/年度 × 办理结果行 × 申请人类别列。
-- preview: region, admin_level, year, outcome, applicant, applications, reports
--
-- Long form, region/level/year × outcome row × applicant column (accepted reports).
-- Summed per report first, then per group: a count of distinct reports per group would have to hold every
-- group's report ids in memory at once (it does not spill), one row per report and group counts them.
create or replace table mart_outcome_breakdown as
with per_report as (
    select a.region, a.admin_level, a.year, c.row_key as outcome, c.col_key as applicant, a.report_id,
           sum(coalesce(c.value, 0)) as applications
    from mart_agency_year a join report_cells c using (report_id)
    where c.table_key = 't3_applications'
      and c.row_key not in ('new_received', 'carried_over_in', 'results_total', 'carried_forward_out')
    group by all
)
select region, admin_level, year, outcome, applicant, sum(applications) as applications, count(*) as reports
from per_report
group by all;
