from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q, Sum
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from safecampus.accounts.models import RoleAssignment, User
from safecampus.audit.models import Action, AuditEvent
from safecampus.orgs import selectors as org_selectors
from safecampus.orgs.choices import SchoolStage
from safecampus.orgs.models import Bureau, Department, PartnerUnit, School

from .access import scope_for
from .capabilities import ACCOUNT_MANAGE, AUDIT_READ, ORG_VIEW
from .models import Job
from .roles import SCHOOL_ROLES, Role


@login_required
def home(request):
    """Each role's home page, with real content from the user's scope."""
    user = request.user
    scope = scope_for(user)
    ctx: dict = {"scope": scope, "panels": []}

    if scope.has(*SCHOOL_ROLES) and scope.school_ids:
        schools = (
            School.objects.visible_to(user)
            .filter(pk__in=scope.school_ids)
            .select_related("bureau", "region")
            .prefetch_related("gates")
        )
        people = (
            RoleAssignment.objects.active()
            .filter(school__in=scope.school_ids)
            .select_related("user")
            .order_by("school_id", "role")
        )
        by_school: dict[int, list] = {}
        for ra in people:
            by_school.setdefault(ra.school_id, []).append(ra)
        ctx["my_schools"] = [(s, by_school.get(s.pk, [])) for s in schools]

    if scope.has(*ORG_VIEW):
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
        ctx["bureaus"] = Bureau.objects.visible_to(user).filter(pk__in=scope.bureau_ids(*ORG_VIEW))

    if scope.has(Role.DEPARTMENT_OFFICER):
        ctx["my_departments"] = (
            Department.objects.visible_to(user)
            .filter(pk__in=scope.department_ids)
            .select_related("bureau")
            .annotate(
                officers=Count(
                    "role_assignments",
                    filter=Q(role_assignments__revoked_at__isnull=True),
                )
            )
        )

    if scope.has(Role.LEADERSHIP, Role.SAFETY_CENTRE):
        groups = []
        for bureau_id in scope.member_bureau_ids:
            bureau = Bureau(pk=bureau_id)
            groups.extend(org_selectors.leadership_groups(user=user, bureau=bureau))
        ctx["leadership_groups"] = groups

    if scope.has(Role.PARTNER):
        ctx["partners"] = PartnerUnit.objects.visible_to(user).filter(pk__in=scope.partner_ids)
        ctx["covered_schools"] = (
            School.objects.visible_to(user)
            .filter(partner_coverages__partner_id__in=scope.partner_ids)
            .order_by("name")[:50]
        )

    if scope.has(*ACCOUNT_MANAGE):
        users = User.objects.editable_by(user)
        ctx["account_stats"] = users.aggregate(
            total=Count("id"),
            active=Count("id", filter=Q(is_active=True)),
            locked=Count("id", filter=Q(locked_until__gt=timezone.now())),
        )
        ctx["locked_users"] = users.filter(locked_until__gt=timezone.now())[:20]

    if scope.has(*AUDIT_READ):
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
    return render(request, "core/home.html", ctx)


@login_required
def job_detail(request, pk: int):
    job = get_object_or_404(Job.objects.visible_to(request.user), pk=pk)
    template = "core/_job_status.html" if request.headers.get("HX-Request") else "core/job.html"
    return render(request, template, {"job": job})


@login_required
def job_download(request, pk: int):
    job = get_object_or_404(Job.objects.visible_to(request.user), pk=pk)
    if job.status != Job.Status.SUCCEEDED or not job.output_file:
        raise Http404
    return FileResponse(
        job.output_file.open("rb"), as_attachment=True, filename=job.output_name or "export.xlsx"
    )


@login_required
def job_list(request):
    jobs = Job.objects.visible_to(request.user)[:50]
    return render(request, "core/job_list.html", {"jobs": jobs})
