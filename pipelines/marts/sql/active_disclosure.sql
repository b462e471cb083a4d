-- mart_active_disclosure_v2019 / _v2021: T2 per report, one mart per template version (their columns
-- mean different things and are never unioned).
create or replace table mart_active_disclosure_v2019 as
select a.report_id, a.agency, a.admin_level, a.region, a.year, c.table_key, c.row_key, c.col_key, c.value
from mart_agency_year a join report_cells c using (report_id)
where a.template = 'v2019' and c.table_key like 't2_%';

create or replace table mart_active_disclosure_v2021 as
select a.report_id, a.agency, a.admin_level, a.region, a.year, c.table_key, c.row_key, c.col_key, c.value
from mart_agency_year a join report_cells c using (report_id)
where a.template = 'v2021' and c.table_key like 't2_%';
