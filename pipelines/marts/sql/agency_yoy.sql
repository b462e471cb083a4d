-- mart: mart_agency_yoy
-- grain: agency × year, beside the agency's previous year
-- description: Year-over-year changes per agency (agency identity key, renames through agency_aliases).
-- 说明: 机关同比变化：与上一年度相比的变化（机关识别键，更名经 agency_aliases 对应）。
-- preview: agency, admin_level, region, year, previous_year, apps_new, apps_new_previous, apps_new_yoy,
--   closure_rate_change, admin_review_change, litigation_change
--
-- Year-over-year changes per agency (same agency key as the cross-year rules: region code,
-- name without 人民政府/政府/办公室/办公厅, level; renames through agency_aliases).
create or replace table mart_agency_yoy as
with keyed as (
    select *, coalesce(al.canonical_key, k.agency_key) as agency_id
    from (select *, coalesce(region_code, '-') || '|' || regexp_replace(agency, '人民政府|政府|办公室|办公厅', '', 'g')
                    || '|' || coalesce(admin_level, '-') as agency_key
          from mart_agency_year where agency is not null) k
    left join agency_aliases al on al.alias_key = k.agency_key
)
select cur.agency_id, cur.agency, cur.admin_level, cur.region, cur.year,
       prev.year as previous_year,
       cur.apps_new, prev.apps_new as apps_new_previous,
       cur.apps_new / nullif(prev.apps_new, 0) - 1 as apps_new_yoy,
       cur.closure_rate - prev.closure_rate as closure_rate_change,
       cur.admin_review_total - prev.admin_review_total as admin_review_change,
       cur.litigation_total - prev.litigation_total as litigation_change
from keyed cur join keyed prev on prev.agency_id = cur.agency_id and prev.year = cur.year - 1;
