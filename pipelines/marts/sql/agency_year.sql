-- mart: mart_agency_year
-- grain: one row per logical report (agency × year × scope) whose current version is an accepted annual report
-- description: One row per logical report (agency × year × scope) whose current version is accepted: agency, level,
--   region, year, template and every indicator.
-- 说明: 机关年度指标：每个逻辑报告（机关×年度×范围）一行，只含现行版本已通过校验的年报；
--   机关、层级、地区、年度、模板及全部指标。
-- preview: agency, admin_level, region, year, template, apps_new, apps_closed, granted, closure_rate,
--   substantive_disclosure_rate, admin_review_total, litigation_total
--
-- One row per logical report (agency × year × scope) whose current version is an accepted
-- annual report, every indicator of spec §5. The current version is read through its primary document:
-- other documents with the same cells (the same report in another format) are more sources of it
-- (`sources`), superseded versions, versions in conflict (VR-01) and withdrawn ones are left out
-- (report_versions, mart_quality). Placeholders (NULL cells of accepted reports) count as 0, as in the
-- identities; a rate whose denominator is 0 is NULL, never 100%.
create or replace table mart_agency_year as
with accepted as (
    select r.report_id, r.agency, r.admin_level, r.region, r.region_code, r.year, r.template,
           r.publication_date, r.metadata, v.logical_key, v.sources
    from reports r join report_quality q using (report_id) join report_versions v using (report_id)
    where q.status = 'accepted' and r.doc_type = 'annual_report'
      and v.status = 'current' and v.primary_id = v.report_id
),
c as (  -- g: the row's group in the template (template_rows, from the contract)
    select c.report_id, c.table_key t, c.row_key r, c.col_key k, coalesce(c.value, 0) v, g.row_group g
    from report_cells c left join template_rows g on g.table_key = c.table_key and g.row_key = c.row_key
    where c.report_id in (select report_id from accepted)
),
t3 as (
    select report_id,
        sum(v) filter (where t = 't3_applications' and r = 'new_received' and k = 'total') as apps_new,
        sum(v) filter (where t = 't3_applications' and r = 'carried_over_in' and k = 'total') as carried_in,
        sum(v) filter (where t = 't3_applications' and r = 'results_total' and k = 'total') as apps_closed,
        sum(v) filter (where t = 't3_applications' and r = 'carried_forward_out' and k = 'total') as apps_carried_out,
        sum(v) filter (where t = 't3_applications' and r = 'granted' and k = 'total') as granted,
        sum(v) filter (where t = 't3_applications' and r = 'partially_granted' and k = 'total') as partially_granted,
        sum(v) filter (where t = 't3_applications' and g = 'denied' and k = 'total') as denied_total,
        sum(v) filter (where t = 't3_applications' and g = 'unable' and k = 'total') as unable_total,
        sum(v) filter (where t = 't3_applications' and g = 'not_processed' and k = 'total') as not_processed_total,
        sum(v) filter (where t = 't3_applications' and (g = 'other' or r = 'other_handling') and k = 'total') as other_handling_total,
        sum(v) filter (where t = 't3_applications' and r = 'unable_not_held' and k = 'total') as unable_not_held,
        sum(v) filter (where t = 't3_applications' and r = 'new_received' and k = 'natural_person') as new_natural_person,
        sum(v) filter (where t = 't3_applications' and r = 'new_received' and k = 'commercial_enterprise') as new_commercial_enterprise,
        sum(v) filter (where t = 't3_applications' and r = 'new_received' and k = 'research_institution') as new_research_institution,
        sum(v) filter (where t = 't3_applications' and r = 'new_received' and k = 'public_welfare_org') as new_public_welfare_org,
        sum(v) filter (where t = 't3_applications' and r = 'new_received' and k = 'legal_service_org') as new_legal_service_org,
        sum(v) filter (where t = 't3_applications' and r = 'new_received' and k = 'other_org') as new_other_org,
        sum(v) filter (where t = 't4_review_litigation' and r = 'admin_review' and k = 'total') as admin_review_total,
        sum(v) filter (where t = 't4_review_litigation' and r = 'admin_review' and k = 'upheld') as admin_review_upheld,
        sum(v) filter (where t = 't4_review_litigation' and r = 'admin_review' and k = 'corrected') as admin_review_corrected,
        sum(v) filter (where t = 't4_review_litigation' and r = 'admin_review' and k = 'pending') as admin_review_pending,
        sum(v) filter (where t = 't4_review_litigation' and r = 'litigation_direct' and k = 'total') as litigation_direct_total,
        sum(v) filter (where t = 't4_review_litigation' and r = 'litigation_after_review' and k = 'total') as litigation_after_review_total,
        sum(v) filter (where t = 't4_review_litigation' and g = 'litigation' and k = 'corrected') as litigation_corrected,
        sum(v) filter (where t = 't4_review_litigation' and g = 'litigation' and k = 'pending') as litigation_pending,
        sum(v) filter (where t = 't2_art20_1' and r = 'normative_documents' and k = 'issued_count') as normative_docs_issued,
        sum(v) filter (where t = 't2_art20_1' and r = 'normative_documents' and k = 'repealed_count') as normative_docs_repealed,
        sum(v) filter (where t = 't2_art20_1' and r = 'normative_documents' and k = 'in_force_count') as normative_docs_in_force,
        sum(v) filter (where t = 't2_art20_5' and r = 'administrative_licensing' and k = 'decision_count') as licensing_decisions,
        sum(v) filter (where t = 't2_art20_6' and r = 'administrative_penalty' and k = 'decision_count') as penalty_decisions,
        sum(v) filter (where t = 't2_art20_6' and r = 'administrative_coercion' and k = 'decision_count') as coercion_decisions,
        sum(v) filter (where t = 't2_art20_8' and k = 'fee_amount_wan_yuan') as fee_amount_wan_yuan,
        sum(v) filter (where t = 't2_art20_9' and k = 'procurement_project_count') as procurement_count,
        sum(v) filter (where t = 't2_art20_9' and k = 'procurement_amount_wan_yuan') as procurement_amount_wan_yuan
    from c group by report_id
),
checks as (
    select report_id,
        count(distinct rule_id) filter (where status = 'FAIL' and severity = 'hard') as hard_fail_count,
        count(distinct rule_id) filter (where status = 'FAIL' and severity = 'soft') as soft_warn_count,
        count(*) filter (where status = 'PASS' and (rule_id like 'T3-%' or rule_id like 'T4-%'))::double
          / nullif(count(*) filter (where status <> 'NOT_ASSESSABLE' and (rule_id like 'T3-%' or rule_id like 'T4-%')), 0)
          as identity_pass_rate,
        bool_and(status <> 'FAIL') filter (where rule_id in ('XY-04', 'MD-02')) as template_compliant,
        bool_and(status <> 'FAIL') filter (where rule_id = 'MD-01') as published_on_time
    from check_results group by report_id
)
select
    a.report_id, a.agency, a.admin_level, a.region, a.region_code, a.year, a.template, a.publication_date,
    t.apps_new, t.apps_new + t.carried_in as apps_workload, t.apps_closed, t.apps_carried_out,
    t.granted, t.granted + t.partially_granted as disclosed_substantive, t.denied_total, t.unable_total,
    t.not_processed_total, t.other_handling_total,
    t.apps_closed / nullif(t.apps_new + t.carried_in, 0) as closure_rate,
    t.granted / nullif(t.apps_closed, 0) as grant_rate,
    (t.granted + t.partially_granted) / nullif(t.apps_closed, 0) as substantive_disclosure_rate,
    t.denied_total / nullif(t.apps_closed, 0) as denial_rate,
    t.unable_total / nullif(t.apps_closed, 0) as unable_rate,
    t.not_processed_total / nullif(t.apps_closed, 0) as not_processed_rate,
    t.other_handling_total / nullif(t.apps_closed, 0) as other_handling_rate,
    t.unable_not_held / nullif(t.apps_closed, 0) as not_held_rate,
    t.new_natural_person / nullif(t.apps_new, 0) as applicant_share_natural_person,
    t.new_commercial_enterprise / nullif(t.apps_new, 0) as applicant_share_commercial_enterprise,
    t.new_research_institution / nullif(t.apps_new, 0) as applicant_share_research_institution,
    t.new_public_welfare_org / nullif(t.apps_new, 0) as applicant_share_public_welfare_org,
    t.new_legal_service_org / nullif(t.apps_new, 0) as applicant_share_legal_service_org,
    t.new_other_org / nullif(t.apps_new, 0) as applicant_share_other_org,
    t.admin_review_total, t.admin_review_corrected, t.admin_review_total - t.admin_review_pending as review_closed,
    t.litigation_direct_total, t.litigation_after_review_total, t.litigation_corrected,
    t.admin_review_corrected / nullif(t.admin_review_total - t.admin_review_pending, 0) as review_correction_rate,
    t.admin_review_upheld / nullif(t.admin_review_total - t.admin_review_pending, 0) as review_upheld_rate,
    t.litigation_direct_total + t.litigation_after_review_total as litigation_total,
    t.litigation_corrected / nullif(t.litigation_direct_total + t.litigation_after_review_total - t.litigation_pending, 0)
        as litigation_correction_rate,
    (t.admin_review_total + t.litigation_direct_total) / nullif(t.apps_closed, 0) as dispute_rate,
    100 * (t.admin_review_corrected + t.litigation_corrected) / nullif(t.apps_new, 0) as corrections_per_100_apps,
    t.normative_docs_issued, t.normative_docs_repealed, t.normative_docs_in_force,
    t.normative_docs_issued - t.normative_docs_repealed as net_change,
    t.licensing_decisions, t.penalty_decisions, t.coercion_decisions,
    t.penalty_decisions / nullif(t.licensing_decisions, 0) as penalty_to_licensing_ratio,
    t.fee_amount_wan_yuan, t.procurement_count, t.procurement_amount_wan_yuan,
    k.hard_fail_count, k.soft_warn_count, k.identity_pass_rate, k.template_compliant, k.published_on_time,
    -- the spec's deadlines: 31 Jan of Y+1 for departments and townships, 31 Mar for governments
    case when a.publication_date is null then null
         else date_diff('day', make_date(a.year + 1, case when a.agency like '%人民政府%'
              and a.agency not like '%办公%' and a.admin_level <> 'township' then 3 else 1 end, 31),
              a.publication_date) end as days_after_deadline,
    -- agencies with fewer than 30 applications are not ranked (KGC sample-size guardrail)
    (t.apps_new + t.carried_in) >= 30 as rankable,
    a.logical_key as logical_report, a.sources
from accepted a left join t3 t using (report_id) left join checks k using (report_id);
