-- mart_quality: per region/level/year, all reports (quarantined ones too): verdicts, failures per rule,
-- the most common errors.
create or replace table mart_quality as
with per_rule as (
    select r.region, r.admin_level, r.year, c.rule_id, count(distinct c.report_id) as reports_failing
    from check_results c join reports r using (report_id)
    where c.status = 'FAIL' group by all
)
select r.region, r.admin_level, r.year,
       count(*) as reports,
       count(*) filter (where q.status = 'accepted') as accepted,
       count(*) filter (where q.status = 'quarantined') as quarantined,
       sum(q.hard_failures) as hard_failures, sum(q.soft_warnings) as soft_warnings,
       (select map(list(p.rule_id order by p.rule_id), list(p.reports_failing order by p.rule_id)) from per_rule p
        where p.region is not distinct from r.region and p.admin_level is not distinct from r.admin_level
          and p.year is not distinct from r.year) as failures_per_rule,
       (select string_agg(p.rule_id || ' (' || p.reports_failing || ')', ', ' order by p.reports_failing desc, p.rule_id)
        from (select * from per_rule p2 where p2.region is not distinct from r.region
              and p2.admin_level is not distinct from r.admin_level and p2.year is not distinct from r.year
              order by reports_failing desc, rule_id limit 3) p) as most_common_errors
from reports r join report_quality q using (report_id)
group by all;
