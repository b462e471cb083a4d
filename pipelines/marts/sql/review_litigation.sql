-- mart: mart_review_litigation
-- grain: region × admin level × year × block (行政复议 / 行政诉讼 …)
-- description: Administrative review and litigation per region/level/year and block.
-- 说明: 行政复议与行政诉讼：按地区/层级/年度及板块汇总，含重算的纠错率。
-- preview: region, admin_level, year, block, upheld, corrected, other_outcome, pending, total, correction_rate
--
-- T4 per region/level/year and block, with recomputed correction rates.
create or replace table mart_review_litigation as
select a.region, a.admin_level, a.year, c.row_key as block,
       sum(coalesce(c.value, 0)) filter (where c.col_key = 'upheld') as upheld,
       sum(coalesce(c.value, 0)) filter (where c.col_key = 'corrected') as corrected,
       sum(coalesce(c.value, 0)) filter (where c.col_key = 'other_outcome') as other_outcome,
       sum(coalesce(c.value, 0)) filter (where c.col_key = 'pending') as pending,
       sum(coalesce(c.value, 0)) filter (where c.col_key = 'total') as total,
       sum(coalesce(c.value, 0)) filter (where c.col_key = 'corrected')
         / nullif(sum(coalesce(c.value, 0)) filter (where c.col_key = 'total')
                  - sum(coalesce(c.value, 0)) filter (where c.col_key = 'pending'), 0) as correction_rate,
       count(distinct a.report_id) as reports
from mart_agency_year a join report_cells c using (report_id)
where c.table_key = 't4_review_litigation'
group by all;
