from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from safecampus.core.access import scope_for
from safecampus.core.capabilities import (
    ACCOUNT_MANAGE,
    ACCOUNTABILITY_VIEW,
    AUDIT_READ,
    CAMPAIGN_VIEW,
    CATALOG_VIEW,
    CONSULTATION_VIEW,
    DASHBOARD_VIEW,
    DUTY_COMPLIANCE_VIEW,
    DUTY_MANAGE,
    DUTY_OVERSEE,
    DUTY_RECORD,
    DUTY_VIEW,
    EVALUATION_VIEW,
    HAZARD_VIEW,
    INCIDENT_FIGURES_VIEW,
    INCIDENT_MANAGE,
    INCIDENT_VIEW,
    MESSAGING_KEEP,
    ORG_VIEW,
    SCHOOL_VIEW,
    SPOT_CHECK_VIEW,
    STANDARDS_COMPLIANCE_VIEW,
    STANDARDS_FINDING_ACT,
    STANDARDS_MANAGE,
    STANDARDS_RULESET_MENU,
    STANDARDS_VIEW,
    WATCH_VIEW,
    WEEKLY_REPORT_VIEW,
    ZONE_REGISTER_MENU,
    ZONE_RULES_READ,
)
from safecampus.core.roles import SCHOOL_ROLES
from safecampus.orgs import access as org_access


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    icon: str
    #: a menu of its own (a dropdown) when not empty
    children: tuple = ()

    def __iter__(self):  # label, url, icon = item
        return iter((self.label, self.url, self.icon))


def navigation(request):
    """The menu shows only what the user's roles allow."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    scope = scope_for(user)
    items = [NavItem(_("Home"), reverse("core:home"), "house")]
    if scope.has(*DASHBOARD_VIEW):
        items.append(NavItem(_("Dashboard"), reverse("reports:dashboard"), "speedometer2"))
    elif org_access.own_schools_q(scope) is not None:
        items.append(
            NavItem(_("My dashboard"), reverse("reports:school_dashboard"), "speedometer2")
        )
    if scope.has(*SCHOOL_VIEW):
        school_id = org_access.only_school(scope)
        if scope.has(*(SCHOOL_VIEW - SCHOOL_ROLES)) or school_id is None:
            items.append(NavItem(_("Schools"), reverse("orgs:school_list"), "building"))
        else:
            items.append(
                NavItem(_("My school"), reverse("orgs:school_detail", args=[school_id]), "building")
            )
    if scope.has(*HAZARD_VIEW):
        items.append(
            NavItem(_("Hazard register"), reverse("hazards:hazard_list"), "exclamation-triangle")
        )
    if scope.has(*CAMPAIGN_VIEW):
        label = (
            _("Self-inspection forms")
            if scope.has(*SCHOOL_ROLES) and not scope.has(*(CAMPAIGN_VIEW - SCHOOL_ROLES))
            else _("Campaigns")
        )
        items.append(NavItem(label, reverse("campaigns:campaign_list"), "clipboard-check"))
    supervision = [
        NavItem(label, reverse(url), icon)
        for capability, label, url, icon in (
            (WEEKLY_REPORT_VIEW, _("Weekly reports"), "weekly:weekly_index", "calendar-week"),
            (SPOT_CHECK_VIEW, _("Spot checks"), "spotchecks:check_list", "shuffle"),
            (
                CONSULTATION_VIEW,
                _("Consultations"),
                "accountability:consultation_list",
                "people",
            ),
            (ACCOUNTABILITY_VIEW, _("Accountability"), "accountability:record_list", "flag"),
            (
                EVALUATION_VIEW,
                _("Summary evaluation"),
                "evaluation:campaign_list",
                "clipboard-data",
            ),
        )
        if scope.has(*capability)
    ]
    if len(supervision) > 1:
        items.append(NavItem(_("Supervision"), "", "binoculars", tuple(supervision)))
    else:
        items.extend(supervision)
    duties = [
        NavItem(label, reverse(url), icon)
        for capability, label, url, icon in (
            (DUTY_RECORD, _("Our recurring duties"), "duties:my", "check2-square"),
            (
                DUTY_COMPLIANCE_VIEW,
                pgettext_lazy("duty oversight", "Duty compliance"),
                "duties:compliance",
                "bar-chart",
            ),
            (DUTY_OVERSEE, _("Excuses to decide"), "duties:excuse_list", "hourglass-split"),
            (DUTY_VIEW, _("Duty catalog"), "duties:version_list", "list-ul"),
            (DUTY_VIEW, _("School calendar"), "duties:calendar", "calendar3"),
            (
                DUTY_MANAGE | DUTY_COMPLIANCE_VIEW,
                pgettext_lazy("work plan", "Annual work plans"),
                "duties:plan_list",
                "table",
            ),
        )
        if scope.has(*capability)
    ]
    if len(duties) > 1:
        items.append(NavItem(_("Recurring duties"), "", "calendar-check", tuple(duties)))
    else:
        items.extend(duties)
    standards = [
        NavItem(label, reverse(url), icon)
        for capability, label, url, icon in (
            (
                STANDARDS_VIEW,
                _("Our security facts") if scope.has(*SCHOOL_ROLES) else _("School security cards"),
                "standards:my_card",
                "shield-check",
            ),
            (
                STANDARDS_COMPLIANCE_VIEW,
                _("Security standards compliance"),
                "standards:compliance",
                "bar-chart",
            ),
            (
                STANDARDS_FINDING_ACT | SCHOOL_ROLES | STANDARDS_COMPLIANCE_VIEW,
                _("Standards findings"),
                "standards:finding_list",
                "exclamation-diamond",
            ),
            (
                STANDARDS_RULESET_MENU,
                _("Security rule sets"),
                "standards:ruleset_list",
                "journal-check",
            ),
            (STANDARDS_MANAGE, _("Standards applied"), "standards:policy", "sliders"),
        )
        if scope.has(*capability)
    ]
    if len(standards) > 1:
        items.append(NavItem(_("Security posture"), "", "shield-lock", tuple(standards)))
    else:
        items.extend(standards)
    if scope.has(*ZONE_REGISTER_MENU):
        items.append(_zone_menu(scope))
    if scope.has(*INCIDENT_VIEW):
        items.append(_incident_menu(scope))
    if scope.has(*WATCH_VIEW):
        items.append(_watch_menu())
    if scope.has(*CATALOG_VIEW):
        items.append(NavItem(_("Risk catalog"), reverse("catalog:version_list"), "list-check"))
    if scope.has(*MESSAGING_KEEP):
        items.append(NavItem(_("Message delivery"), reverse("messaging:overview"), "broadcast"))
    if scope.has(*ORG_VIEW):
        items.append(NavItem(_("Organisation"), reverse("orgs:structure"), "diagram-3"))
    if scope.has(*ACCOUNT_MANAGE):
        items.append(NavItem(_("Accounts and roles"), reverse("accounts:user_list"), "people"))
    if scope.has(*AUDIT_READ):
        items.append(NavItem(_("Audit log"), reverse("audit:event_list"), "journal-text"))
    return {
        "nav_items": items,
        "user_scope": scope,
        "unread_notifications": _unread_count(user),
    }


def _zone_menu(scope) -> NavItem:
    """学生安全区域: the overview, the map, the venue register, cases, school boundaries and (for
    those who read them) the rules."""
    root = reverse("zones:overview")
    children = [
        NavItem(pgettext_lazy("safety zone", "Overview"), root, "grid"),
        NavItem(pgettext_lazy("safety zone", "Map"), reverse("zones:map"), "map"),
        NavItem(pgettext_lazy("safety zone", "Nearby venues"), root + "venues/", "shop"),
        NavItem(pgettext_lazy("safety zone", "Zone cases"), root + "cases/", "clipboard-check"),
    ]
    if scope.has(*ZONE_RULES_READ):
        children.append(
            NavItem(
                pgettext_lazy("safety zone", "School boundaries"), root + "schools/", "bounding-box"
            )
        )
        children.append(
            NavItem(
                pgettext_lazy("safety zone", "Zone rules"), reverse("zones:rules"), "journal-check"
            )
        )
    return NavItem(pgettext_lazy("safety zone", "Safety zone"), "", "geo-alt", tuple(children))


def _incident_menu(scope) -> NavItem:
    """突发事件: incident reports, disputes, illness and clusters, and (for the bureau's roles)
    the figures and (for the centre) the reporting limits."""
    children = [
        NavItem(_("Incident reports"), reverse("incidents:incident_list"), "megaphone"),
        NavItem(_("Disputes"), reverse("incidents:dispute_list"), "people"),
        NavItem(
            _("Illness absences and clusters"), reverse("incidents:cluster_list"), "thermometer"
        ),
    ]
    if scope.has(*INCIDENT_FIGURES_VIEW):
        children.append(
            NavItem(
                pgettext_lazy("incidents", "Statistics"), reverse("incidents:overview"), "bar-chart"
            )
        )
    if scope.has(*INCIDENT_MANAGE):
        children.append(NavItem(_("Reporting limits"), reverse("incidents:settings"), "stopwatch"))
    return NavItem(
        pgettext_lazy("incidents", "Incidents"), "", "exclamation-octagon", tuple(children)
    )


def _watch_menu() -> NavItem:
    """值班值守: the duty periods and their rosters, my duty, the missed shifts."""
    return NavItem(
        _("Duty watch"),
        "",
        "telephone",
        (
            NavItem(_("Duty periods"), reverse("watch:period_list"), "calendar-week"),
            NavItem(_("My duty"), reverse("watch:my_shifts"), "person-badge"),
            NavItem(_("Missed shifts"), reverse("watch:missed_list"), "exclamation-triangle"),
        ),
    )


def _unread_count(user):
    """The number of unread digests, counted (one query on ``ntf_recipient_unread``) when the
    page renders it, at most once."""
    from safecampus.notifications.models import Notification

    cache: list[int] = []

    def count() -> int:
        if not cache:
            cache.append(Notification.objects.filter(recipient_id=user.pk).unread().count())
        return cache[0]

    return count
