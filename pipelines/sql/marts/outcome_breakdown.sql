-- mart_outcome_breakdown: long form, region/level/year × outcome row × applicant column (accepted reports).
create or replace table mart_outcome_breakdown as
select a.region, a.admin_level, a.year, c.row_key as outcome, c.col_key as applicant,
       sum(coalesce(c.value, 0)) as applications, count(distinct a.report_id) as reports
from mart_agency_year a join report_cells c using (report_id)
where c.table_key = 't3_applications'
  and c.row_key not in ('new_received', 'carried_over_in', 'results_total', 'carried_forward_out')
group by all;
