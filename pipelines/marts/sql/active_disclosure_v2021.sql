-- mart: mart_active_disclosure_v2021
-- grain: one row per T2 cell of an accepted 2021-template report
-- description: T2 cells of accepted 2021-template reports (never unioned with v2019).
-- 说明: 主动公开情况（2021 版模板）：已通过校验报告的表二单元格，不与 2019 版合并。
-- preview: agency, admin_level, region, year, table_key, row_key, col_key, value
--
-- T2 per report, one mart per template version (their columns mean different things and are never
-- unioned).
create or replace table mart_active_disclosure_v2021 as
select a.report_id, a.agency, a.admin_level, a.region, a.year, c.table_key, c.row_key, c.col_key, c.value
from mart_agency_year a join report_cells c using (report_id)
where a.template = 'v2021' and c.table_key like 't2_%';
