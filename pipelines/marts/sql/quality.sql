-- mart: mart_quality
-- grain: region × admin level × year, over all reports (quarantined ones too)
-- description: Per region/level/year, all reports: accepted, quarantined, failures per rule, most common errors;
--   superseded and conflicting versions, duplicate sources, withdrawn documents.
-- 说明: 数据质量：按地区/层级/年度统计全部报告——通过、隔离、各规则失败数、最常见错误；
--   以及被取代和相互冲突的版本、重复来源、撤回的文件。
-- preview: region, admin_level, year, reports, accepted, quarantined, hard_failures, soft_warnings,
--   most_common_errors
--
-- Per region/level/year, all reports (quarantined ones too), each logical report (agency × year ×
-- scope) counted once by the versions that stand for it — its current version's primary document, or, in a
-- conflict, the versions in conflict (quarantined by VR-01) —: verdicts, failures per rule, the most common
-- errors. Beside them, the other documents of those reports: superseded versions, versions in conflict,
-- duplicate sources (the same cells from another file) and withdrawn documents.
create or replace table mart_quality as
with versions as (
    select r.report_id, r.region, r.admin_level, r.year, q.status as verdict, q.hard_failures, q.soft_warnings,
           v.logical_key, v.status, v.primary_id = v.report_id as is_primary,
           v.status in ('current', 'conflict') and v.primary_id = v.report_id as standing
    from reports r join report_quality q using (report_id) join report_versions v using (report_id)
),
per_rule as (
    select s.region, s.admin_level, s.year, c.rule_id, count(distinct c.report_id) as reports_failing
    from check_results c join versions s using (report_id)
    where c.status = 'FAIL' and s.standing group by all
)
select r.region, r.admin_level, r.year,
       count(distinct r.logical_key) filter (where r.status <> 'withdrawn') as reports,
       count(distinct r.logical_key) filter (where r.standing and r.status = 'current' and r.verdict = 'accepted')
           as accepted,
       count(distinct r.logical_key) filter (where r.standing and r.verdict = 'quarantined') as quarantined,
       coalesce(sum(r.hard_failures) filter (where r.standing), 0) as hard_failures,
       coalesce(sum(r.soft_warnings) filter (where r.standing), 0) as soft_warnings,
       (select map(list(p.rule_id order by p.rule_id), list(p.reports_failing order by p.rule_id)) from per_rule p
        where p.region is not distinct from r.region and p.admin_level is not distinct from r.admin_level
          and p.year is not distinct from r.year) as failures_per_rule,
       (select string_agg(p.rule_id || ' (' || p.reports_failing || ')', ', ' order by p.reports_failing desc, p.rule_id)
        from (select * from per_rule p2 where p2.region is not distinct from r.region
              and p2.admin_level is not distinct from r.admin_level and p2.year is not distinct from r.year
              order by reports_failing desc, rule_id limit 3) p) as most_common_errors,
       count(*) filter (where r.status = 'superseded' and r.is_primary) as superseded_versions,
       count(*) filter (where r.status = 'conflict' and r.is_primary) as conflicting_versions,
       count(*) filter (where r.status <> 'withdrawn' and not r.is_primary) as duplicate_sources,
       count(*) filter (where r.status = 'withdrawn') as withdrawn_documents
from versions r
group by all;
