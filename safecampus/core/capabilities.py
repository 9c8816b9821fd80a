"""Who may do what: one readable matrix of capabilities as sets of roles.

Scope (which rows) is decided by each model's ``scope_filter``; this table decides which roles
reach a feature at all. Navigation, views and API permissions read from here.
"""

from .roles import SCHOOL_ROLES, Role

#: Roles that see the organisation structure of their bureau(s).
ORG_VIEW = frozenset(
    {
        Role.SYSTEM_ADMIN,
        Role.SAFETY_CENTRE,
        Role.LEADERSHIP,
        Role.DEPARTMENT_OFFICER,
        Role.INSPECTOR,
    }
)
#: Roles that see school records (each within its scope).
SCHOOL_VIEW = ORG_VIEW | {Role.SCHOOL_OFFICER, Role.PRINCIPAL, Role.PARTNER}
#: Roles that create and edit schools, import and export the school list.
SCHOOL_MANAGE = frozenset({Role.SAFETY_CENTRE, Role.SYSTEM_ADMIN})
#: Roles that maintain departments, partner units and the leadership group of their bureau(s).
ORG_MANAGE = frozenset({Role.SAFETY_CENTRE, Role.SYSTEM_ADMIN})
#: Roles that read the risk catalog (the standard schools are checked against).
CATALOG_VIEW = SCHOOL_VIEW
#: Roles that edit and publish the risk catalog of their bureau(s).
CATALOG_MANAGE = frozenset({Role.SAFETY_CENTRE, Role.SYSTEM_ADMIN})
#: Roles that manage accounts and role assignments (三员分立: not the system admin).
ACCOUNT_MANAGE = frozenset({Role.SECURITY_ADMIN})
#: Roles that read the audit log (三员分立: only the auditor).
AUDIT_READ = frozenset({Role.AUDITOR})
#: Roles that may see hazard-bearing business data (registers, forms, reports).
#: The system admin, security admin and auditor are deliberately absent.
BUSINESS_DATA = frozenset(
    {
        Role.SAFETY_CENTRE,
        Role.LEADERSHIP,
        Role.DEPARTMENT_OFFICER,
        Role.INSPECTOR,
        Role.SCHOOL_OFFICER,
        Role.PRINCIPAL,
        Role.PARTNER,
    }
)
#: Roles that see the hazard register (each within its scope); partner units do not.
HAZARD_VIEW = BUSINESS_DATA - {Role.PARTNER}
#: Roles that see campaigns and self-inspection forms (each within its scope).
CAMPAIGN_VIEW = HAZARD_VIEW
#: Roles that create, launch and run campaigns of their bureau(s).
CAMPAIGN_MANAGE = frozenset({Role.SAFETY_CENTRE})
#: Roles that fill a self-inspection form (a school its own; the centre on a school's behalf).
FORM_FILL = frozenset({Role.SCHOOL_OFFICER, Role.PRINCIPAL, Role.SAFETY_CENTRE})
#: Roles that review submitted forms (a department the items of its areas; the centre all).
FORM_REVIEW = frozenset({Role.DEPARTMENT_OFFICER, Role.SAFETY_CENTRE})
#: Roles that record on-site inspections of a school against the check items.
SITE_INSPECT = frozenset({Role.DEPARTMENT_OFFICER, Role.SAFETY_CENTRE})

# --- supervision (DOMAIN.md §6) -----------------------------------------------------------------
#: Roles that see weekly reports: a department its own (drafts too); the bureau's officers the
#: submitted ones.
WEEKLY_REPORT_VIEW = frozenset(
    {Role.SAFETY_CENTRE, Role.LEADERSHIP, Role.DEPARTMENT_OFFICER, Role.INSPECTOR}
)
#: Roles that write and submit a department's weekly report.
WEEKLY_REPORT_FILE = frozenset({Role.DEPARTMENT_OFFICER})
#: Roles that compile the district weekly report and archive a campaign.
REPORT_COMPILE = frozenset({Role.SAFETY_CENTRE})
#: Roles that confirm the summary category of their hazards (总结评估).
SUMMARY_CONFIRM = frozenset({Role.DEPARTMENT_OFFICER, Role.SAFETY_CENTRE})
#: Roles that see spot checks, consultations and accountability records (each within scope).
SUPERVISION_VIEW = frozenset(
    {
        Role.SAFETY_CENTRE,
        Role.LEADERSHIP,
        Role.DEPARTMENT_OFFICER,
        Role.INSPECTOR,
        Role.SCHOOL_OFFICER,
        Role.PRINCIPAL,
    }
)
#: Roles that order spot checks (the leadership group, or the centre on its behalf).
SPOT_CHECK_ORDER = frozenset({Role.LEADERSHIP, Role.SAFETY_CENTRE})
#: Roles that may be assigned to a spot check and record its on-site results.
SPOT_CHECK_RECORD = frozenset(
    {Role.INSPECTOR, Role.DEPARTMENT_OFFICER, Role.SAFETY_CENTRE, Role.LEADERSHIP}
)
#: Roles that hold consultations (专题研商 / 专题协调会) and apply their decisions.
CONSULTATION_MANAGE = frozenset({Role.LEADERSHIP, Role.SAFETY_CENTRE})
#: Roles that open and follow up accountability records (约谈, 通报批评, 挂牌督办 …).
ACCOUNTABILITY_MANAGE = frozenset({Role.LEADERSHIP, Role.SAFETY_CENTRE})
#: Roles that read a campaign's archive and generate its written summary (书面材料, which is
#: for the leadership group: the leaders may generate it themselves).
ARCHIVE_READ = frozenset({Role.SAFETY_CENTRE, Role.LEADERSHIP})
#: Roles that reach the pages of each supervision feature (the rows each sees come from scope).
SPOT_CHECK_VIEW = SUPERVISION_VIEW - SCHOOL_ROLES
CONSULTATION_VIEW = SUPERVISION_VIEW - SCHOOL_ROLES
ACCOUNTABILITY_VIEW = SUPERVISION_VIEW
EVALUATION_VIEW = SUMMARY_CONFIRM | REPORT_COMPILE | ARCHIVE_READ
#: Bureau roles that reach every record of their bureau(s): every hazard, spot check,
#: accountability record, submitted weekly report and school dashboard (a department officer
#: reaches only its departments' records, a school only its own).
BUREAU_WIDE = frozenset({Role.SAFETY_CENTRE, Role.LEADERSHIP, Role.INSPECTOR})
#: Roles that see the bureau dashboard (统计分析; a department's counts only its hazards).
DASHBOARD_VIEW = HAZARD_VIEW - SCHOOL_ROLES

# --- hazards ---
#: Roles that report a hazard at any school of their bureau(s).
HAZARD_REPORT_IN_BUREAU = frozenset({Role.SAFETY_CENTRE, Role.INSPECTOR, Role.DEPARTMENT_OFFICER})
#: Roles that report a new hazard (a school at its own schools; the others in their bureau).
HAZARD_REPORT = HAZARD_REPORT_IN_BUREAU | SCHOOL_ROLES

# --- spotchecks ---
#: Roles that record the result of any drawn hazard of their bureau, assigned or not.
SPOT_CHECK_RECORD_ANY = frozenset({Role.LEADERSHIP, Role.SAFETY_CENTRE})
#: The order in which an actor's role is named on a spot check or accountability event.
SUPERVISION_ROLE_ORDER = (
    Role.LEADERSHIP,
    Role.SAFETY_CENTRE,
    Role.INSPECTOR,
    Role.DEPARTMENT_OFFICER,
)

# --- accountability ---
#: Roles that may open a record as the consequence of a result they recorded (a spot check
#: found the claim false): whoever may record that result.
ACCOUNTABILITY_OPEN_ON_FINDING = ACCOUNTABILITY_MANAGE | SPOT_CHECK_RECORD

# --- evaluation ---
#: bureau roles that read every summary confirmation of their bureau(s)
EVALUATION_BUREAU_READERS = frozenset({Role.SAFETY_CENTRE, Role.LEADERSHIP})
#: the role named on a written-summary event when the user holds several, most specific first
SUMMARY_ROLE_ORDER = (Role.SAFETY_CENTRE, Role.LEADERSHIP)

# --- orgs, catalog, accounts, audit, core ---
#: Roles of a school or a partner unit that read the catalog of the bureau they belong to.
CATALOG_MEMBER_READ = SCHOOL_ROLES | {Role.PARTNER}
#: Roles whose home page lists the leadership groups of the bureaus they belong to.
LEADERSHIP_GROUP_HOME = frozenset({Role.LEADERSHIP, Role.SAFETY_CENTRE})
#: kind of background job (``core.jobs``) → roles that may run it and see its output (a job
#: outlives no one's roles: who may no longer run it no longer sees it)
JOB_CAPABILITY: dict[str, frozenset[str]] = {
    "orgs.school_import": SCHOOL_MANAGE,
    "orgs.school_export": SCHOOL_MANAGE,
    "audit.export": AUDIT_READ,
    "catalog.import": CATALOG_MANAGE,
    "hazards.export": HAZARD_VIEW,
    "campaigns.form_import": FORM_FILL,
    "campaigns.forms_zip": CAMPAIGN_MANAGE,
    "campaigns.launch": CAMPAIGN_MANAGE,
    "evaluation.archive": REPORT_COMPILE,
    "evaluation.summary_docx": ARCHIVE_READ,
    "reports.dashboard_snapshot": DASHBOARD_VIEW,
}

# --- campaigns ---
#: Bureau roles that read every launched campaign and every form and on-site inspection of their
#: bureau(s); a draft campaign is the centre's own until launched.
CAMPAIGN_BUREAU_READERS = frozenset(
    {Role.SAFETY_CENTRE, Role.LEADERSHIP, Role.DEPARTMENT_OFFICER, Role.INSPECTOR}
)
#: The school roles named on a form's events, most specific first; and told when it comes back.
FORM_SCHOOL_ACTORS = (Role.SCHOOL_OFFICER, Role.PRINCIPAL)
#: Bureau roles that record an on-site inspection at any school of their bureau, for any of its
#: departments (a department officer records them for its own department only).
SITE_INSPECT_BUREAU = frozenset({Role.SAFETY_CENTRE})

# --- duties (DOMAIN.md §7) ---
#: Roles that see recurring duties: each body its own occurrences, a department those it owes or
#: oversees, the bureau-wide roles every occurrence of their bureau(s).
DUTY_VIEW = BUSINESS_DATA
#: Roles that keep the duty catalog, the school calendar and the annual work plan.
DUTY_MANAGE = frozenset({Role.SAFETY_CENTRE})
#: Roles that record what their body did (a school, a department, a partner unit, the centre).
DUTY_RECORD = frozenset(
    {
        Role.SCHOOL_OFFICER,
        Role.PRINCIPAL,
        Role.DEPARTMENT_OFFICER,
        Role.PARTNER,
        Role.SAFETY_CENTRE,
    }
)
#: Roles that decide excuses and mark records not credible (the overseeing department; the
#: centre for every duty of its bureau).
DUTY_OVERSEE = frozenset({Role.DEPARTMENT_OFFICER, Role.SAFETY_CENTRE})
#: Roles that see compliance figures across bodies (a department those it oversees).
DUTY_COMPLIANCE_VIEW = frozenset(
    {Role.SAFETY_CENTRE, Role.LEADERSHIP, Role.INSPECTOR, Role.DEPARTMENT_OFFICER}
)
#: The role named on an occurrence's events, most specific first.
DUTY_ROLE_ORDER = (
    Role.SCHOOL_OFFICER,
    Role.PRINCIPAL,
    Role.PARTNER,
    Role.DEPARTMENT_OFFICER,
    Role.SAFETY_CENTRE,
    Role.LEADERSHIP,
    Role.INSPECTOR,
)
JOB_CAPABILITY["duties.record_import"] = DUTY_RECORD
JOB_CAPABILITY["duties.catalog_import"] = DUTY_MANAGE

# --- standards (DOMAIN.md §8) ---
#: Roles that see security facts, cards and rule sets (each within its scope; a partner unit only
#: the cards of the schools it covers, and only when its bureau granted it).
STANDARDS_VIEW = BUSINESS_DATA
#: Roles that keep a school's security facts (the school; the centre on its behalf).
STANDARDS_FACTS_EDIT = frozenset({Role.SCHOOL_OFFICER, Role.PRINCIPAL, Role.SAFETY_CENTRE})
#: Roles that verify a school's facts (the bureau's departments and centre).
STANDARDS_VERIFY = frozenset({Role.DEPARTMENT_OFFICER, Role.SAFETY_CENTRE})
#: Roles that keep their bureau's rule sets and policy, and run an evaluation.
STANDARDS_MANAGE = frozenset({Role.SAFETY_CENTRE})
#: Roles that turn findings into hazards (a department its own findings, the centre all).
STANDARDS_FINDING_ACT = frozenset({Role.DEPARTMENT_OFFICER, Role.SAFETY_CENTRE})
#: Roles that see compliance figures (a department those of the findings it takes).
STANDARDS_COMPLIANCE_VIEW = frozenset(
    {Role.SAFETY_CENTRE, Role.LEADERSHIP, Role.INSPECTOR, Role.DEPARTMENT_OFFICER}
)
#: Roles on whose behalf the rule engine offers a hazard for acceptance when the facts comply
#: again: whoever changed the facts, or the centre that re-ran the rules.
STANDARDS_OFFER = STANDARDS_FACTS_EDIT
STANDARDS_ROLE_ORDER = (
    Role.SCHOOL_OFFICER,
    Role.PRINCIPAL,
    Role.DEPARTMENT_OFFICER,
    Role.SAFETY_CENTRE,
    Role.LEADERSHIP,
    Role.INSPECTOR,
    Role.PARTNER,
)
JOB_CAPABILITY["standards.evaluate"] = STANDARDS_MANAGE
JOB_CAPABILITY["standards.facts_import"] = STANDARDS_FACTS_EDIT
JOB_CAPABILITY["standards.preview"] = STANDARDS_MANAGE
JOB_CAPABILITY["standards.compliance_export"] = STANDARDS_COMPLIANCE_VIEW
#: Bureau roles that read every school's security card of their bureau(s).
STANDARDS_CARD_READERS = ORG_VIEW - {Role.SYSTEM_ADMIN}
#: Roles offered the rule sets in the menu (a partner unit reads cards only).
STANDARDS_RULESET_MENU = STANDARDS_VIEW - {Role.PARTNER}
#: Roles that see findings (the menu's offer): who acts on them, the schools, the figure readers;
#: never a partner unit.
STANDARDS_FINDINGS_VIEW = STANDARDS_FINDING_ACT | SCHOOL_ROLES | STANDARDS_COMPLIANCE_VIEW
#: Roles that read a school's facts change log (a partner unit reads the card only).
STANDARDS_FACTS_HISTORY = STANDARDS_VIEW - {Role.PARTNER}

# --- zones (DOMAIN.md §9) ---
#: Roles that reach the student safety zone pages (each within its scope: a school its own zone,
#: a partner unit the cases that concern it).
ZONE_VIEW = BUSINESS_DATA
#: Bureau roles that read the whole venue register and every case of their bureau(s).
ZONE_BUREAU_READ = BUREAU_WIDE
#: Roles that keep the venue register (register, correct, import).
ZONE_VENUE_EDIT = frozenset({Role.DEPARTMENT_OFFICER, Role.SAFETY_CENTRE})
#: Roles that run a case: assign, set the deadline, verify, exempt (a department its own cases).
ZONE_CASE_MANAGE = frozenset({Role.DEPARTMENT_OFFICER, Role.SAFETY_CENTRE})
#: Roles that record what happened to the venue of a case (an inspection, a closure, a
#: relocation): the partner units named on it, and those who run it.
ZONE_CASE_RECORD = ZONE_CASE_MANAGE | {Role.PARTNER}
#: Roles that comment on a case they see (the school too).
ZONE_CASE_COMMENT = ZONE_CASE_RECORD | SCHOOL_ROLES
#: Roles that keep a school's boundary and waiting areas (the school; the centre on its behalf).
ZONE_GEOMETRY_EDIT = frozenset({Role.SCHOOL_OFFICER, Role.PRINCIPAL, Role.SAFETY_CENTRE})
#: Roles that keep their bureau's zone rules and settings and check every venue again.
ZONE_MANAGE = frozenset({Role.SAFETY_CENTRE})
#: Roles that see zone figures (a department those of its cases).
ZONE_FIGURES_VIEW = frozenset(
    {Role.SAFETY_CENTRE, Role.LEADERSHIP, Role.INSPECTOR, Role.DEPARTMENT_OFFICER}
)
#: Bureau roles that read a bureau's register, geometry and settings (department officers too).
ZONE_REGISTER_READ = ZONE_BUREAU_READ | {Role.DEPARTMENT_OFFICER}
#: Roles that read zone rules (a partner unit reads only its cases).
ZONE_RULES_READ = ZONE_VIEW - {Role.PARTNER}
#: Roles offered the venue register in the menu.
ZONE_REGISTER_MENU = ZONE_FIGURES_VIEW | SCHOOL_ROLES | {Role.PARTNER}
#: The role named on a case's events, most specific first.
ZONE_ROLE_ORDER = (
    Role.PARTNER,
    Role.SCHOOL_OFFICER,
    Role.PRINCIPAL,
    Role.DEPARTMENT_OFFICER,
    Role.SAFETY_CENTRE,
    Role.LEADERSHIP,
    Role.INSPECTOR,
)
JOB_CAPABILITY["zones.recheck"] = ZONE_MANAGE
JOB_CAPABILITY["zones.venue_import"] = ZONE_VENUE_EDIT
JOB_CAPABILITY["zones.case_export"] = ZONE_FIGURES_VIEW | {Role.PARTNER}

# --- incidents (DOMAIN.md §10) ---
#: Roles that reach incident reports (each within its scope: a school its own, a department those
#: routed to it, the bureau-wide roles every one of their bureau(s); a restricted case only the
#: people named on it, whatever their roles).
INCIDENT_VIEW = HAZARD_VIEW
#: Roles that report an incident (a school its own; a department or the centre for a school of
#: their bureau) and file its follow-ups and closing report.
INCIDENT_REPORT = frozenset(
    {Role.SCHOOL_OFFICER, Role.PRINCIPAL, Role.DEPARTMENT_OFFICER, Role.SAFETY_CENTRE}
)
#: Roles that take an incident in hand (接报: acknowledge) and record the handling.
INCIDENT_HANDLE = frozenset({Role.DEPARTMENT_OFFICER, Role.SAFETY_CENTRE, Role.LEADERSHIP})
#: Roles that keep the accident handling (responsibility, insurance, mediation, 校闹) and the
#: 三同步 checklist of an incident they can act on.
INCIDENT_FOLLOW = INCIDENT_REPORT
#: Roles that escalate to the leadership group, restrict a case and keep its access list, and keep
#: the bureau's reporting limits and settings.
INCIDENT_MANAGE = frozenset({Role.SAFETY_CENTRE})
#: Roles that see incident and dispute figures (a department those routed to it; restricted cases
#: as counts only).
INCIDENT_FIGURES_VIEW = frozenset(
    {Role.SAFETY_CENTRE, Role.LEADERSHIP, Role.INSPECTOR, Role.DEPARTMENT_OFFICER}
)
#: Roles that register disputes and record mediation (a school its own).
DISPUTE_RECORD = INCIDENT_REPORT
#: The role named on an incident's or dispute's events, most specific first.
INCIDENT_ROLE_ORDER = (
    Role.SCHOOL_OFFICER,
    Role.PRINCIPAL,
    Role.DEPARTMENT_OFFICER,
    Role.SAFETY_CENTRE,
    Role.LEADERSHIP,
    Role.INSPECTOR,
)
JOB_CAPABILITY["incidents.export"] = INCIDENT_FIGURES_VIEW | SCHOOL_ROLES
JOB_CAPABILITY["incidents.dispute_export"] = INCIDENT_FIGURES_VIEW | SCHOOL_ROLES

# --- duty watch (DOMAIN.md §10: 值班值守) ---
#: Roles that read duty rosters and duty logs (a school its own, the bureau roles their bureau's
#: and every school's of it).
WATCH_VIEW = HAZARD_VIEW
#: Roles that keep a school's roster (the school; the centre on its behalf).
WATCH_SCHOOL_EDIT = frozenset({Role.SCHOOL_OFFICER, Role.PRINCIPAL, Role.SAFETY_CENTRE})
#: Roles that keep the bureau's own roster and its holiday and sensitive periods.
WATCH_MANAGE = frozenset({Role.SAFETY_CENTRE})
#: Roles that see which schools published rosters and which shifts were missed.
WATCH_FIGURES_VIEW = INCIDENT_FIGURES_VIEW
JOB_CAPABILITY["watch.roster_import"] = WATCH_SCHOOL_EDIT
#: Roles that comment on an incident or a dispute they see.
INCIDENT_COMMENT = INCIDENT_REPORT | INCIDENT_HANDLE | {Role.INSPECTOR}
#: The bureau-wide roles that take in hand every incident of their bureau (a department officer
#: only those routed to its department).
INCIDENT_HANDLE_BUREAU = INCIDENT_HANDLE - {Role.DEPARTMENT_OFFICER}
#: Roles of a bureau whose people may be named on every restricted case (the settings' choice).
INCIDENT_RESTRICTED_OFFICERS = frozenset({Role.SAFETY_CENTRE, Role.LEADERSHIP})

# --- messages (DOMAIN.md §12) ---
#: Roles that keep the bureau's robots, its quiet hours and escalation ladder and the heads of its
#: departments, and see every robot and outgoing message of their bureau(s).
MESSAGING_MANAGE = frozenset({Role.SAFETY_CENTRE})
#: Roles that keep their own department's robots.
MESSAGING_DEPARTMENT = frozenset({Role.DEPARTMENT_OFFICER})
#: Roles that keep their own school's robots.
MESSAGING_SCHOOL = SCHOOL_ROLES
#: Everyone who keeps some robot (the menu entry).
MESSAGING_KEEP = MESSAGING_MANAGE | MESSAGING_DEPARTMENT | MESSAGING_SCHOOL
