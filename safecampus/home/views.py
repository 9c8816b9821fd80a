"""Each role's home page, with real content from the user's scope."""

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q, Sum
from django.shortcuts import render
from django.utils import timezone

from safecampus.accounts.models import RoleAssignment, User
from safecampus.audit.models import Action, AuditEvent
from safecampus.core.access import can, scope_for
from safecampus.core.capabilities import (
    ACCOUNT_MANAGE,
    AUDIT_READ,
    LEADERSHIP_GROUP_HOME,
    ORG_VIEW,
)
from safecampus.core.roles import Role
from safecampus.hazards.models import Hazard
from safecampus.inspections.choices import FormStatus
from safecampus.orgs import access as org_access
from safecampus.orgs import selectors as org_selectors
from safecampus.orgs.choices import SchoolStage
from safecampus.orgs.models import Bureau, Department, PartnerUnit, School
from safecampus.reports import school as school_reports

#: how many hazards returned for rework the home page lists (the school dashboard has them all)
RETURNED_CAP = 10
#: how many forms to fill it lists (a school has one per launched campaign)
FORMS_CAP = 20


def _school_work(user, school: School) -> None:
    """What the school has to do, on ``school``: ``forms_to_fill`` (its forms of launched
    campaigns not yet submitted, a returned one with its reason), ``returned_hazards`` (its
    hazards a department sent back for rework, newest first) and ``returned_count``. The same
    definitions as the school dashboard's (``reports.school``)."""
    forms = school_reports.forms_to_fill(user, school, timezone.localdate(), limit=FORMS_CAP)
    # returned forms first: a department is waiting for them
    school.forms_to_fill = sorted(forms, key=lambda f: f.status != FormStatus.RETURNED)
    returned = school_reports.returned_hazards(
        Hazard.objects.visible_to(user).filter(school=school)
    )
    school.returned_count = returned.count()
    school.returned_hazards = (
        list(returned.order_by("-returned_at", "-id")[:RETURNED_CAP])
        if school.returned_count
        else []
    )


@login_required
def home(request):
    """Each role's home page, with real content from the user's scope."""
    user = request.user
    scope = scope_for(user)
    ctx: dict = {"scope": scope, "panels": [], "today": timezone.localdate()}

    if (own_schools := org_access.own_schools_q(scope)) is not None:
        schools = (
            School.objects.visible_to(user)
            .filter(own_schools)
            .select_related("bureau", "region")
            .prefetch_related("gates")
        )
        people = (
            RoleAssignment.objects.active()
            .filter(org_access.own_schools_q(scope, "school"))
            .select_related("user")
            .order_by("school_id", "role")
        )
        by_school: dict[int, list] = {}
        for ra in people:
            by_school.setdefault(ra.school_id, []).append(ra)
        ctx["my_schools"] = [(s, by_school.get(s.pk, [])) for s in schools]
        for school, _people in ctx["my_schools"]:
            _school_work(user, school)

    if can(user, ORG_VIEW):
        schools = School.objects.visible_to(user).filter(is_active=True)
        stage_labels = dict(SchoolStage.choices)
        counts = org_selectors.school_counts_by_stage(user=user)
        ctx["stage_counts"] = [
            {"stage": row["stage"], "label": str(stage_labels.get(row["stage"])), "n": row["n"]}
            for row in counts
        ]
        ctx["school_totals"] = schools.aggregate(
            n=Count("id"),
            students=Sum("students"),
            staff=Sum("staff"),
            boarding=Count("id", filter=Q(boarding=True)),
            private=Count("id", filter=Q(ownership="private")),
        )
        ctx["bureaus"] = Bureau.objects.restrict(user, "structure")

    if scope.has(Role.DEPARTMENT_OFFICER):
        ctx["my_departments"] = (
            Department.objects.visible_to(user)
            .filter(org_access.own_departments_q(scope))
            .select_related("bureau")
            .annotate(
                officers=Count(
                    "role_assignments",
                    filter=Q(role_assignments__revoked_at__isnull=True),
                )
            )
        )

    if can(user, LEADERSHIP_GROUP_HOME):
        ctx["leadership_groups"] = org_selectors.member_leadership_groups(user=user)

    if scope.has(Role.PARTNER):
        ctx["partners"] = PartnerUnit.objects.visible_to(user).filter(
            org_access.own_partners_q(scope)
        )
        ctx["covered_schools"] = (
            School.objects.visible_to(user)
            .filter(org_access.own_partners_q(scope, "partner_coverages__partner_id"))
            .order_by("name")[:50]
        )

    if can(user, ACCOUNT_MANAGE):
        users = User.objects.editable_by(user)
        ctx["account_stats"] = users.aggregate(
            total=Count("id"),
            active=Count("id", filter=Q(is_active=True)),
            locked=Count("id", filter=Q(locked_until__gt=timezone.now())),
        )
        ctx["locked_users"] = users.filter(locked_until__gt=timezone.now())[:20]

    if can(user, AUDIT_READ):
        events = AuditEvent.objects.visible_to(user)
        since = timezone.now() - timezone.timedelta(days=1)
        ctx["recent_events"] = events.select_related("actor")[:10]
        ctx["failed_logins_24h"] = events.filter(action=Action.LOGIN_FAILED, at__gte=since).count()
        ctx["lockouts_24h"] = events.filter(action=Action.ACCOUNT_LOCKED, at__gte=since).count()

    if scope.has(Role.SYSTEM_ADMIN):
        ctx["config_counts"] = {
            "bureaus": Bureau.objects.visible_to(user).count(),
            "departments": Department.objects.visible_to(user).count(),
            "schools": School.objects.visible_to(user).count(),
            "partners": PartnerUnit.objects.visible_to(user).count(),
        }
    return render(request, "home/home.html", ctx)
