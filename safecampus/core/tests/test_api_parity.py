"""Every page has its API: an inventory of the product's pages, each with the API operations
that do what it does (its list, its detail, each of its actions, its files), or the reason it
has none. A new page fails here until it is given its endpoints or a reason; an operation named
here that the schema lacks fails too.

Reasons are of two kinds: ``PAGE_ONLY`` (what only a person in a browser needs: the login form,
a print layout, an HTMX fragment, a blank template to fill in by hand) and ``NOT_YET`` (work a
program would want that the API does not do yet: the honest list of what is missing, which
may only shrink).
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

#: what only a person in a browser needs
PAGE_ONLY = "page only"
#: not in the API yet
NOT_YET = "not yet"

INVENTORY: dict[str, tuple[str, ...] | tuple[str, str]] = {
    # --- the home page, jobs, language ------------------------------------------------------------
    "core:home": (PAGE_ONLY, "the role's start page: links to the lists below"),
    "set_language": (PAGE_ONLY, "the UI language; the API answers in `Accept-Language`"),
    "core:job_list": ("GET /api/v1/jobs/",),
    "core:job_detail": ("GET /api/v1/jobs/{id}/",),
    "core:job_download": ("GET /api/v1/jobs/{id}/download/",),
    # --- accounts ---------------------------------------------------------------------------------
    "accounts:login": ("POST /api/v1/auth/token/",),
    "accounts:login_bureau": ("POST /api/v1/auth/token/",),
    "accounts:logout": ("DELETE /api/v1/auth/tokens/{id}/",),
    "accounts:password_change": (PAGE_ONLY, "a password is changed by its person, in a browser"),
    "accounts:token_list": ("GET /api/v1/auth/tokens/", "GET /api/v1/auth/tokens/{id}/"),
    "accounts:token_revoke": ("DELETE /api/v1/auth/tokens/{id}/",),
    "accounts:user_list": (NOT_YET, "user administration (security admin)"),
    "accounts:user_create": (NOT_YET, "user administration (security admin)"),
    "accounts:user_detail": (NOT_YET, "user administration (security admin)"),
    "accounts:user_edit": (NOT_YET, "user administration (security admin)"),
    "accounts:user_grant": (NOT_YET, "user administration (security admin)"),
    "accounts:user_revoke": (NOT_YET, "user administration (security admin)"),
    "accounts:user_reset_password": (NOT_YET, "user administration (security admin)"),
    "accounts:user_unlock": (NOT_YET, "user administration (security admin)"),
    # --- organisations ----------------------------------------------------------------------------
    "orgs:school_list": ("GET /api/v1/schools/",),
    "orgs:school_create": ("POST /api/v1/schools/",),
    "orgs:school_export": ("GET /api/v1/schools/export/",),
    "orgs:school_import": (NOT_YET, "the schools' Excel import"),
    "orgs:school_detail": ("GET /api/v1/schools/{id}/",),
    "orgs:school_edit": ("PATCH /api/v1/schools/{id}/", "PUT /api/v1/schools/{id}/"),
    "orgs:structure": (
        "GET /api/v1/regions/",
        "GET /api/v1/bureaus/",
        "GET /api/v1/departments/",
    ),
    "orgs:bureau_documents": (NOT_YET, "the bureau's letterhead settings"),
    "orgs:department_create": (NOT_YET, "editing departments"),
    "orgs:department_edit": (NOT_YET, "editing departments"),
    "orgs:partner_list": (NOT_YET, "partner units"),
    "orgs:partner_create": (NOT_YET, "partner units"),
    "orgs:partner_edit": (NOT_YET, "partner units"),
    "orgs:leadership_member_add": (NOT_YET, "the leadership group's members"),
    "orgs:leadership_member_remove": (NOT_YET, "the leadership group's members"),
    # --- audit ------------------------------------------------------------------------------------
    "audit:event_list": (NOT_YET, "the audit log (auditor)"),
    "audit:event_export": (NOT_YET, "the audit log (auditor)"),
    # --- the risk catalog -------------------------------------------------------------------------
    "catalog:version_list": ("GET /api/v1/catalog/versions/",),
    "catalog:version_detail": (
        "GET /api/v1/catalog/versions/{id}/",
        "GET /api/v1/catalog/areas/",
        "GET /api/v1/catalog/items/",
    ),
    "catalog:draft_create": (NOT_YET, "editing the catalog"),
    "catalog:version_export": ("GET /api/v1/catalog/versions/{id}/export/",),
    "catalog:version_import": (NOT_YET, "the catalog's Excel import"),
    "catalog:version_publish": (NOT_YET, "editing the catalog"),
    "catalog:area_create": (NOT_YET, "editing the catalog"),
    "catalog:area_edit": (NOT_YET, "editing the catalog"),
    "catalog:item_create": (NOT_YET, "editing the catalog"),
    "catalog:item_edit": (NOT_YET, "editing the catalog"),
    "catalog:item_delete": (NOT_YET, "editing the catalog"),
    # --- the hazard register ----------------------------------------------------------------------
    "hazards:hazard_list": ("GET /api/v1/hazards/",),
    "hazards:hazard_create": ("POST /api/v1/hazards/",),
    "hazards:hazard_export": ("GET /api/v1/hazards/export/",),
    "hazards:hazard_detail": ("GET /api/v1/hazards/{id}/",),
    "hazards:hazard_action": (
        "POST /api/v1/hazards/{id}/confirm/",
        "POST /api/v1/hazards/{id}/start/",
        "POST /api/v1/hazards/{id}/submit/",
        "POST /api/v1/hazards/{id}/accept/",
        "POST /api/v1/hazards/{id}/reject/",
        "POST /api/v1/hazards/{id}/withdraw/",
        "POST /api/v1/hazards/{id}/mark-hard/",
        "POST /api/v1/hazards/{id}/decide/",
        "POST /api/v1/hazards/{id}/edit/",
        "POST /api/v1/hazards/{id}/extend/",
        "POST /api/v1/hazards/{id}/transfer/",
        "POST /api/v1/hazards/{id}/explain/",
        "POST /api/v1/hazards/{id}/evidence/",
    ),
    "hazards:evidence_file": ("GET /api/v1/hazard-evidence/{id}/",),
    "hazards:evidence_thumb": ("GET /api/v1/hazard-evidence/{id}/thumb/",),
    # --- campaigns --------------------------------------------------------------------------------
    "campaigns:campaign_list": ("GET /api/v1/campaigns/",),
    "campaigns:campaign_create": ("GET /api/v1/campaign-templates/", "POST /api/v1/campaigns/"),
    "campaigns:campaign_detail": (
        "GET /api/v1/campaigns/{id}/",
        "GET /api/v1/campaigns/{id}/progress/",
    ),
    "campaigns:campaign_edit": ("PATCH /api/v1/campaigns/{id}/",),
    "campaigns:campaign_launch": ("POST /api/v1/campaigns/{id}/launch/",),
    "campaigns:campaign_close": ("POST /api/v1/campaigns/{id}/close/",),
    # --- self-inspection forms --------------------------------------------------------------------
    "inspections:form_list": ("GET /api/v1/campaigns/{id}/forms/", "GET /api/v1/forms/"),
    "inspections:campaign_forms_zip": ("POST /api/v1/campaigns/{id}/forms/export/",),
    "inspections:campaign_import": ("POST /api/v1/campaigns/{id}/forms/import/",),
    "inspections:form_detail": ("GET /api/v1/forms/{id}/",),
    "inspections:form_save": ("POST /api/v1/forms/{id}/answers/",),
    "inspections:form_submit": ("POST /api/v1/forms/{id}/submit/",),
    "inspections:form_mark_section": (
        "POST /api/v1/forms/{id}/sections/{area_id}/mark-compliant/",
    ),
    "inspections:form_export": ("GET /api/v1/forms/{id}/export/",),
    "inspections:form_import": ("POST /api/v1/forms/{id}/import/",),
    "inspections:answer_evidence": ("POST /api/v1/answers/{id}/evidence/",),
    "inspections:evidence_file": ("GET /api/v1/form-evidence/{id}/",),
    "inspections:evidence_thumb": ("GET /api/v1/form-evidence/{id}/",),
    # --- reviews and on-site inspections ----------------------------------------------------------
    "inspections:review_queue": ("GET /api/v1/reviews/",),
    "inspections:form_review": (
        "POST /api/v1/forms/{id}/accept/",
        "POST /api/v1/forms/{id}/return/",
    ),
    "inspections:site_inspection_new": (
        "GET /api/v1/site-inspections/new/",
        "POST /api/v1/site-inspections/",
    ),
    "inspections:site_inspection_detail": ("GET /api/v1/site-inspections/{id}/",),
    # --- weekly reports ---------------------------------------------------------------------------
    "weekly:weekly_index": ("GET /api/v1/weekly/campaigns/", "GET /api/v1/weekly/owed/"),
    "weekly:campaign_weeks": ("GET /api/v1/weekly/campaigns/{id}/matrix/",),
    "weekly:week_detail": ("GET /api/v1/weekly/campaigns/{id}/weeks/{start}/",),
    "weekly:report_open": ("POST /api/v1/weekly/campaigns/{id}/weeks/{start}/open/",),
    "weekly:district_compile": ("POST /api/v1/weekly/campaigns/{id}/weeks/{start}/compile/",),
    "weekly:report_detail": (
        "GET /api/v1/weekly-reports/",
        "GET /api/v1/weekly-reports/{id}/",
        "POST /api/v1/weekly-reports/{id}/save/",
        "POST /api/v1/weekly-reports/{id}/submit/",
    ),
    "weekly:report_docx": ("GET /api/v1/weekly-reports/{id}/export.docx",),
    "weekly:report_xlsx": ("GET /api/v1/weekly-reports/{id}/export.xlsx",),
    "weekly:district_detail": (
        "GET /api/v1/weekly-district-reports/",
        "GET /api/v1/weekly-district-reports/{id}/",
    ),
    "weekly:district_docx": ("GET /api/v1/weekly-district-reports/{id}/export.docx",),
    "weekly:district_xlsx": ("GET /api/v1/weekly-district-reports/{id}/export.xlsx",),
    # --- spot checks ------------------------------------------------------------------------------
    "spotchecks:check_list": ("GET /api/v1/spot-checks/",),
    "spotchecks:check_create": ("POST /api/v1/spot-checks/preview/", "POST /api/v1/spot-checks/"),
    "spotchecks:my_assignments": ("GET /api/v1/spot-check-items/",),
    "spotchecks:check_detail": ("GET /api/v1/spot-checks/{id}/", "GET /api/v1/spot-check-items/"),
    "spotchecks:check_verify": ("POST /api/v1/spot-checks/{id}/verify/",),
    "spotchecks:check_assign": ("POST /api/v1/spot-checks/{id}/assign/",),
    "spotchecks:item_detail": (
        "GET /api/v1/spot-check-items/{id}/",
        "POST /api/v1/spot-check-items/{id}/result/",
    ),
    "spotchecks:evidence_file": ("GET /api/v1/spot-check-evidence/{id}/",),
    "spotchecks:evidence_thumb": ("GET /api/v1/spot-check-evidence/{id}/thumb/",),
    # --- accountability and consultations ---------------------------------------------------------
    "accountability:record_list": ("GET /api/v1/accountability-records/",),
    "accountability:record_new": ("POST /api/v1/accountability-records/",),
    "accountability:record_detail": ("GET /api/v1/accountability-records/{id}/",),
    "accountability:record_step": (
        "POST /api/v1/accountability-records/{id}/follow-up/",
        "POST /api/v1/accountability-records/{id}/close/",
    ),
    "accountability:consultation_list": ("GET /api/v1/consultations/",),
    "accountability:consultation_new": (
        "GET /api/v1/consultations/candidates/",
        "POST /api/v1/consultations/",
    ),
    "accountability:consultation_detail": (
        "GET /api/v1/consultations/{id}/",
        "POST /api/v1/consultations/{id}/apply/",
    ),
    # --- summary evaluation -----------------------------------------------------------------------
    "evaluation:campaign_list": ("GET /api/v1/evaluations/",),
    "evaluation:campaign_evaluation": (
        "GET /api/v1/evaluations/{id}/",
        "GET /api/v1/evaluations/{id}/hazards/",
    ),
    "evaluation:confirm_all": ("POST /api/v1/evaluations/{id}/confirm-all/",),
    "evaluation:hazard_confirm": (
        "GET /api/v1/evaluation-hazards/{id}/",
        "POST /api/v1/evaluation-hazards/{id}/confirm/",
    ),
    "evaluation:archive_start": ("POST /api/v1/evaluations/{id}/archive/",),
    "evaluation:archive_detail": (
        "GET /api/v1/evaluations/{id}/archive/",
        "GET /api/v1/evaluations/{id}/archive/hazards/",
    ),
    "evaluation:archive_download": ("GET /api/v1/evaluations/{id}/archive.json.gz",),
    "evaluation:summary_start": ("POST /api/v1/evaluations/{id}/summary/",),
    "evaluation:summary_draft": ("POST /api/v1/evaluations/{id}/summary/draft/",),
    "evaluation:department_material": (
        "GET /api/v1/evaluations/{id}/departments/{department_id}/material.docx",
    ),
    # --- dashboards -------------------------------------------------------------------------------
    "reports:dashboard": ("GET /api/v1/dashboard/",),
    "reports:dashboard_print": (PAGE_ONLY, "the dashboard laid out for printing"),
    "reports:dashboard_export": ("GET /api/v1/dashboard/export.xlsx",),
    "reports:dashboard_map": ("GET /api/v1/dashboard/map/",),
    "reports:dashboard_status": ("GET /api/v1/dashboard/status/",),
    "reports:dashboard_refresh": ("POST /api/v1/dashboard/refresh/",),
    "reports:school_dashboard": ("GET /api/v1/dashboard/schools/",),
    "reports:school_dashboard_for": ("GET /api/v1/dashboard/schools/{id}/",),
    "reports:school_dashboard_print": (PAGE_ONLY, "the school's dashboard laid out for printing"),
    "reports:school_dashboard_xlsx": ("GET /api/v1/dashboard/schools/{id}/export.xlsx",),
    # --- notifications ----------------------------------------------------------------------------
    "notifications:notification_list": (
        "GET /api/v1/notifications/",
        "GET /api/v1/notifications/unread-count/",
    ),
    "notifications:notification_detail": ("GET /api/v1/notifications/{id}/",),
    "notifications:notification_read": ("POST /api/v1/notifications/{id}/read/",),
    "notifications:read_all": ("POST /api/v1/notifications/read-all/",),
    # --- recurring duties -------------------------------------------------------------------------
    "duties:my": ("GET /api/v1/duty-occurrences/",),
    "duties:occurrence_list": ("GET /api/v1/duty-occurrences/",),
    "duties:occurrence_detail": ("GET /api/v1/duty-occurrences/{id}/",),
    "duties:occurrence_record": ("POST /api/v1/duty-occurrences/{id}/record/",),
    "duties:occurrence_excuse": ("POST /api/v1/duty-occurrences/{id}/ask-excuse/",),
    "duties:occurrence_decide": ("POST /api/v1/duty-occurrences/{id}/decide-excuse/",),
    "duties:occurrence_not_credible": ("POST /api/v1/duty-occurrences/{id}/not-credible/",),
    "duties:excuse_list": ("GET /api/v1/duty-occurrences/",),
    "duties:evidence": ("GET /api/v1/duty-evidence/{id}/",),
    "duties:evidence_thumb": ("GET /api/v1/duty-evidence/{id}/",),
    "duties:compliance": ("GET /api/v1/duty-compliance/",),
    "duties:matrix": ("GET /api/v1/duty-compliance/",),
    "duties:record_import": (NOT_YET, "importing duty records from Excel"),
    "duties:log_export": ("GET /api/v1/duty-log/export/",),
    "duties:compliance_export": ("GET /api/v1/duty-compliance/export/",),
    "duties:version_list": ("GET /api/v1/duty-versions/",),
    "duties:version_detail": ("GET /api/v1/duty-versions/{id}/",),
    "duties:version_draft": (NOT_YET, "editing the duty catalog"),
    "duties:catalog_import": (NOT_YET, "editing the duty catalog"),
    "duties:rule_check": (PAGE_ONLY, "an HTMX check of a rule while it is typed"),
    "duties:version_publish": (NOT_YET, "editing the duty catalog"),
    "duties:catalog_export": ("GET /api/v1/duty-versions/{id}/export/",),
    "duties:duty_new": (NOT_YET, "editing the duty catalog"),
    "duties:duty_edit": (NOT_YET, "editing the duty catalog"),
    "duties:duty_delete": (NOT_YET, "editing the duty catalog"),
    "duties:calendar": (NOT_YET, "the school calendar"),
    "duties:term_new": (NOT_YET, "the school calendar"),
    "duties:term_edit": (NOT_YET, "the school calendar"),
    "duties:term_delete": (NOT_YET, "the school calendar"),
    "duties:day_new": (NOT_YET, "the school calendar"),
    "duties:day_delete": (NOT_YET, "the school calendar"),
    "duties:plan_list": (NOT_YET, "work plans"),
    "duties:plan_new": (NOT_YET, "work plans"),
    "duties:plan_detail": (NOT_YET, "work plans"),
    "duties:plan_publish": (NOT_YET, "work plans"),
    "duties:plan_docx": (NOT_YET, "work plans"),
    "duties:plan_xlsx": (NOT_YET, "work plans"),
    "duties:task_edit": (NOT_YET, "work plans"),
    # --- security standards -----------------------------------------------------------------------
    "standards:my_card": (
        "GET /api/v1/standard-cards/",
        "GET /api/v1/standard-cards/{school_id}/",
    ),
    "standards:card": ("GET /api/v1/standard-cards/{school_id}/",),
    "standards:facts_edit": (
        "GET /api/v1/standard-facts/{school_id}/",
        "PATCH /api/v1/standard-facts/{school_id}/",
        "PUT /api/v1/standard-facts/{school_id}/",
    ),
    "standards:facts_verify": (
        "POST /api/v1/standard-facts/{school_id}/verify/",
        "POST /api/v1/standard-facts/{school_id}/return/",
    ),
    "standards:facts_history": ("GET /api/v1/standard-facts/{school_id}/history/",),
    "standards:facts_evidence": ("GET /api/v1/standard-facts/evidence/{evidence_id}/",),
    "standards:facts_template": (PAGE_ONLY, "a blank workbook to fill in by hand"),
    "standards:facts_import": (NOT_YET, "importing facts from Excel"),
    "standards:ruleset_list": ("GET /api/v1/rule-sets/",),
    "standards:ruleset_detail": ("GET /api/v1/rule-sets/{id}/",),
    "standards:ruleset_create": (NOT_YET, "editing the rule sets"),
    "standards:ruleset_draft": (NOT_YET, "editing the rule sets"),
    "standards:ruleset_publish": (NOT_YET, "editing the rule sets"),
    "standards:ruleset_preview": (NOT_YET, "editing the rule sets"),
    "standards:rule_new": (NOT_YET, "editing the rule sets"),
    "standards:rule_edit": (NOT_YET, "editing the rule sets"),
    "standards:rule_delete": (NOT_YET, "editing the rule sets"),
    "standards:policy": (NOT_YET, "the bureau's standards policy"),
    "standards:finding_list": ("GET /api/v1/standard-findings/",),
    "standards:finding_detail": ("GET /api/v1/standard-findings/{id}/",),
    "standards:finding_raise": ("POST /api/v1/standard-findings/{id}/raise-hazard/",),
    "standards:finding_raise_bulk": ("POST /api/v1/standard-findings/raise-hazards/",),
    "standards:finding_xlsx": ("GET /api/v1/standard-findings/export/",),
    "standards:compliance": ("GET /api/v1/standard-compliance/",),
    "standards:compliance_schools": ("GET /api/v1/standard-cards/",),
    "standards:compliance_standings": ("GET /api/v1/standard-compliance/",),
    "standards:compliance_xlsx": ("GET /api/v1/standard-compliance/export/",),
    # --- the student safety zone ------------------------------------------------------------------
    "zones:overview": ("GET /api/v1/zone-figures/",),
    "zones:map": ("GET /api/v1/zone-map/", "GET /api/v1/zone-check/"),
    "zones:map_data": ("GET /api/v1/zone-map/",),
    "zones:venue_list": ("GET /api/v1/zone-venues/",),
    "zones:venue_create": ("POST /api/v1/zone-venues/",),
    "zones:venue_detail": ("GET /api/v1/zone-venues/{id}/",),
    "zones:venue_edit": ("PATCH /api/v1/zone-venues/{id}/",),
    "zones:venue_status": ("POST /api/v1/zone-venues/{id}/status/",),
    "zones:venue_template": (PAGE_ONLY, "a blank workbook to fill in by hand"),
    "zones:venue_import": (NOT_YET, "importing venues from Excel"),
    "zones:geometry_list": (
        NOT_YET,
        "the list of schools' boundaries (one is `zone-schools/{id}/`)",
    ),
    "zones:geometry_detail": (
        "GET /api/v1/zone-schools/{school_id}/",
        "PUT /api/v1/zone-schools/{school_id}/boundary/",
        "DELETE /api/v1/zone-schools/{school_id}/boundary/",
        "POST /api/v1/zone-schools/{school_id}/waiting-areas/",
        "DELETE /api/v1/zone-schools/{school_id}/waiting-areas/{area_id}/",
    ),
    "zones:geometry_vertex_template": (PAGE_ONLY, "a blank workbook to fill in by hand"),
    "zones:case_list": ("GET /api/v1/zone-cases/",),
    "zones:case_export": ("POST /api/v1/zone-cases/export/",),
    "zones:case_detail": ("GET /api/v1/zone-cases/{id}/",),
    "zones:case_act": (
        "POST /api/v1/zone-cases/{id}/assign/",
        "POST /api/v1/zone-cases/{id}/inspect/",
        "POST /api/v1/zone-cases/{id}/record-closure/",
        "POST /api/v1/zone-cases/{id}/record-relocation/",
        "POST /api/v1/zone-cases/{id}/exempt/",
        "POST /api/v1/zone-cases/{id}/extend/",
        "POST /api/v1/zone-cases/{id}/verify/",
        "POST /api/v1/zone-cases/{id}/reject/",
        "POST /api/v1/zone-cases/{id}/comment/",
        "POST /api/v1/zone-cases/{id}/add-evidence/",
    ),
    "zones:case_evidence": ("GET /api/v1/zone-cases/{id}/evidence/{evidence_id}/",),
    "zones:rules": ("GET /api/v1/zone-rules/",),
    "zones:rule_new": ("POST /api/v1/zone-rules/",),
    "zones:rule_edit": ("PATCH /api/v1/zone-rules/{id}/",),
    "zones:rule_active": ("POST /api/v1/zone-rules/{id}/active/",),
    "zones:recheck": ("POST /api/v1/zone-recheck/",),
    "zones:settings": (
        "GET /api/v1/zone-settings/{bureau_id}/",
        "PATCH /api/v1/zone-settings/{bureau_id}/",
    ),
    # --- incidents and disputes -------------------------------------------------------------------
    "incidents:overview": ("GET /api/v1/incidents/figures/", "GET /api/v1/disputes/figures/"),
    "incidents:settings": (
        "GET /api/v1/incident-settings/{bureau_id}/",
        "PATCH /api/v1/incident-settings/{bureau_id}/",
        "GET /api/v1/incident-limits/",
    ),
    "incidents:limit_new": ("POST /api/v1/incident-limits/",),
    "incidents:limit_edit": ("PATCH /api/v1/incident-limits/{id}/",),
    "incidents:limit_delete": ("DELETE /api/v1/incident-limits/{id}/",),
    "incidents:cluster_list": ("GET /api/v1/cluster-alerts/", "GET /api/v1/illness-records/"),
    "incidents:illness_new": ("POST /api/v1/illness-records/",),
    "incidents:dispute_list": ("GET /api/v1/disputes/", "GET /api/v1/disputes/flagged/"),
    "incidents:dispute_new": ("POST /api/v1/disputes/",),
    "incidents:dispute_export": ("POST /api/v1/disputes/export/",),
    "incidents:dispute_detail": ("GET /api/v1/disputes/{id}/",),
    "incidents:dispute_act": (
        "POST /api/v1/disputes/{id}/assess/",
        "POST /api/v1/disputes/{id}/mediate/",
        "POST /api/v1/disputes/{id}/resolve/",
        "POST /api/v1/disputes/{id}/reopen/",
        "POST /api/v1/disputes/{id}/escalate/",
        "POST /api/v1/disputes/{id}/comment/",
        "POST /api/v1/disputes/{id}/restrict/",
        "POST /api/v1/disputes/{id}/grant/",
        "POST /api/v1/disputes/{id}/revoke/",
    ),
    "incidents:incident_document": ("GET /api/v1/incidents/{id}/documents/{kind}/",),
    "incidents:monthly_summary": ("GET /api/v1/incidents/summary/",),
    "incidents:incident_export": ("POST /api/v1/incidents/export/",),
    "incidents:incident_list": ("GET /api/v1/incidents/",),
    "incidents:incident_new": ("POST /api/v1/incidents/",),
    "incidents:incident_detail": ("GET /api/v1/incidents/{id}/",),
    "incidents:incident_act": (
        "POST /api/v1/incidents/{id}/acknowledge/",
        "POST /api/v1/incidents/{id}/verbal/",
        "POST /api/v1/incidents/{id}/follow-up/",
        "POST /api/v1/incidents/{id}/escalate/",
        "POST /api/v1/incidents/{id}/close/",
        "POST /api/v1/incidents/{id}/comment/",
        "POST /api/v1/incidents/{id}/evidence/",
        "POST /api/v1/incidents/{id}/disturbance/",
        "POST /api/v1/incidents/{id}/insurance/",
        "POST /api/v1/incidents/{id}/mediation/",
        "POST /api/v1/incidents/{id}/responsibility/",
        "POST /api/v1/incidents/{id}/restrict/",
        "POST /api/v1/incidents/{id}/grant/",
        "POST /api/v1/incidents/{id}/revoke/",
        "POST /api/v1/incidents/{id}/sync/",
    ),
    "incidents:incident_evidence": ("GET /api/v1/incidents/{id}/files/{evidence_id}/",),
    # --- duty watch -------------------------------------------------------------------------------
    "watch:period_list": ("GET /api/v1/watch-periods/",),
    "watch:period_create": ("POST /api/v1/watch-periods/",),
    "watch:period_generate": (NOT_YET, "generating the holiday periods of a year"),
    "watch:period_detail": ("GET /api/v1/watch-periods/{id}/",),
    "watch:period_edit": ("PUT /api/v1/watch-periods/{id}/",),
    "watch:roster_create": ("POST /api/v1/watch-rosters/",),
    "watch:roster_detail": ("GET /api/v1/watch-rosters/{id}/",),
    "watch:shift_create": ("POST /api/v1/watch-shifts/",),
    "watch:shift_edit": ("PUT /api/v1/watch-shifts/{id}/",),
    "watch:shift_delete": ("DELETE /api/v1/watch-shifts/{id}/",),
    "watch:shift_swap": ("POST /api/v1/watch-shifts/{id}/swap/",),
    "watch:roster_publish": ("POST /api/v1/watch-rosters/{id}/publish/",),
    "watch:roster_revise": ("POST /api/v1/watch-rosters/{id}/revise/",),
    "watch:roster_export": ("GET /api/v1/watch-rosters/{id}/export/",),
    "watch:roster_template": (PAGE_ONLY, "a blank workbook to fill in by hand"),
    "watch:roster_import": (NOT_YET, "importing a roster from Excel"),
    "watch:my_shifts": ("GET /api/v1/watch-rosters/",),
    "watch:shift_detail": ("GET /api/v1/watch-shifts/{id}/",),
    "watch:shift_log": ("GET /api/v1/watch-log/", "POST /api/v1/watch-log/"),
    "watch:missed_list": ("GET /api/v1/watch-missed/",),
    # --- messages ---------------------------------------------------------------------------------
    "messaging:overview": ("GET /api/v1/message-figures/",),
    "messaging:channel_list": ("GET /api/v1/message-robots/",),
    "messaging:channel_create": ("POST /api/v1/message-robots/",),
    "messaging:channel_detail": ("GET /api/v1/message-robots/{id}/",),
    "messaging:channel_edit": ("PATCH /api/v1/message-robots/{id}/",),
    "messaging:channel_secret": ("POST /api/v1/message-robots/{id}/secret/",),
    "messaging:channel_test": ("POST /api/v1/message-robots/{id}/test/",),
    "messaging:channel_pause": ("POST /api/v1/message-robots/{id}/pause/",),
    "messaging:channel_resume": ("POST /api/v1/message-robots/{id}/resume/",),
    "messaging:channel_remove": ("DELETE /api/v1/message-robots/{id}/",),
    "messaging:message_list": ("GET /api/v1/outbox/",),
    "messaging:message_detail": ("GET /api/v1/outbox/{id}/",),
    "messaging:message_act": (
        "POST /api/v1/outbox/{id}/resend/",
        "POST /api/v1/outbox/{id}/cancel/",
    ),
    "messaging:settings": (
        "GET /api/v1/message-settings/{bureau_id}/",
        "PUT /api/v1/message-settings/{bureau_id}/",
        "GET /api/v1/message-settings/{bureau_id}/heads/",
        "PUT /api/v1/message-settings/{bureau_id}/heads/",
    ),
    "messaging:preferences": (
        "GET /api/v1/message-preferences/me/",
        "PUT /api/v1/message-preferences/me/",
    ),
}

#: the ceiling of ``NOT_YET``: it may only come down (lower it when an endpoint lands)
NOT_YET_CEILING = 60


def _page_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns, prefix: str, namespace: str | None):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern), p.namespace or namespace)
            elif isinstance(p, URLPattern) and p.name:
                path = prefix + str(p.pattern)
                if not path.startswith("api/"):
                    names.add(f"{namespace}:{p.name}" if namespace else p.name)

    walk(get_resolver().url_patterns, "", None)
    return names


@pytest.fixture(scope="module")
def operations(django_db_blocker) -> set[str]:
    from drf_spectacular.generators import SchemaGenerator

    with django_db_blocker.unblock():
        schema = SchemaGenerator().get_schema(request=None, public=True)
    return {
        f"{method.upper()} {path}"
        for path, item in schema["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    }


def test_every_page_has_its_api_or_a_reason():
    pages = _page_names()
    unclassified = sorted(pages - INVENTORY.keys())
    assert not unclassified, f"pages with neither an API nor a reason: {unclassified}"
    gone = sorted(INVENTORY.keys() - pages)
    assert not gone, f"pages in the inventory that no longer exist: {gone}"


def test_each_operation_named_is_in_the_schema(operations):
    missing = [
        (page, op)
        for page, ops in INVENTORY.items()
        if ops[0] not in (PAGE_ONLY, NOT_YET)
        for op in ops
        if op not in operations
    ]
    assert not missing, missing


def test_what_is_not_in_the_api_yet_only_shrinks():
    not_yet = sorted(page for page, ops in INVENTORY.items() if ops[0] == NOT_YET)
    assert len(not_yet) <= NOT_YET_CEILING, not_yet
    for ops in INVENTORY.values():
        if ops[0] in (PAGE_ONLY, NOT_YET):
            assert len(ops) == 2 and ops[1], ops


def test_the_whole_schema_is_valid_and_generates_without_a_warning():
    """Two serializers of one name in two apps make one component of the schema: the answers
    of one are then documented with the other's fields. drf-spectacular warns; so do enum name
    clashes and views it cannot read."""
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema

    GENERATOR_STATS.reset()
    schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)
    warnings = [*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache]
    assert not warnings, "\n".join(warnings)


def test_every_operation_says_which_roles_may_call_it():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    silent = [
        f"{method.upper()} {path}"
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in ("get", "post", "put", "patch", "delete")
        and "roles" not in operation.get("description", "").lower()
    ]
    assert not silent, silent
    token = schema["paths"]["/api/v1/auth/token/"]["post"]["description"]
    assert token.endswith("Roles: anyone; no credentials are needed.")
    periods = schema["paths"]["/api/v1/watch-periods/"]["post"]["description"]
    assert "Roles: `" in periods and "`safety_centre`" in periods
