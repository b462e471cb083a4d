-- mart_agency_yoy: year-over-year changes per agency (same agency key as the cross-year rules: region code,
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
