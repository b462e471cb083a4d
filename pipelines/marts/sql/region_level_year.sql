-- mart: mart_region_level_year
-- grain: region × admin level × year
-- description: Per region, level and year: sums, agency counts, rates from summed numerators and denominators,
--   P25/P50/P75 of agency rates.
-- 说明: 地区×层级×年度汇总：合计、机关数、由分子分母合计重算的比率，
--   以及机关比率的四分位数（P25/P50/P75）。
-- preview: region, admin_level, year, reports, agencies, apps_new, closure_rate, substantive_disclosure_rate,
--   dispute_rate
--
-- Sums, agency counts, rates recomputed from summed numerators and denominators
-- (never averaged), and P25/P50/P75 of the rates of rankable agencies (workload ≥ 30).
create or replace table mart_region_level_year as
select
    region, admin_level, year,
    count(*) as reports,
    count(distinct agency) as agencies,
    sum(apps_new) as apps_new, sum(apps_workload) as apps_workload, sum(apps_closed) as apps_closed,
    sum(apps_carried_out) as apps_carried_out,
    sum(apps_closed) / nullif(sum(apps_workload), 0) as closure_rate,
    sum(granted) / nullif(sum(apps_closed), 0) as grant_rate,
    sum(disclosed_substantive) / nullif(sum(apps_closed), 0) as substantive_disclosure_rate,
    sum(denied_total) / nullif(sum(apps_closed), 0) as denial_rate,
    sum(admin_review_total) as admin_review_total, sum(litigation_total) as litigation_total,
    sum(admin_review_total + litigation_direct_total) / nullif(sum(apps_closed), 0) as dispute_rate,
    quantile_cont(closure_rate, 0.25) filter (where rankable) as closure_rate_p25,
    quantile_cont(closure_rate, 0.50) filter (where rankable) as closure_rate_p50,
    quantile_cont(closure_rate, 0.75) filter (where rankable) as closure_rate_p75,
    quantile_cont(substantive_disclosure_rate, 0.25) filter (where rankable) as substantive_disclosure_rate_p25,
    quantile_cont(substantive_disclosure_rate, 0.50) filter (where rankable) as substantive_disclosure_rate_p50,
    quantile_cont(substantive_disclosure_rate, 0.75) filter (where rankable) as substantive_disclosure_rate_p75,
    quantile_cont(dispute_rate, 0.25) filter (where rankable) as dispute_rate_p25,
    quantile_cont(dispute_rate, 0.50) filter (where rankable) as dispute_rate_p50,
    quantile_cont(dispute_rate, 0.75) filter (where rankable) as dispute_rate_p75
from mart_agency_year
group by all;
