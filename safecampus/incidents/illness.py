"""Illness records and cluster alerts: a class that reaches the bureau's thresholds (3 cases in
a day, or 5 within 3 days, by default) raises an alert; an incident is then due within the
bureau's cluster limit (60 minutes by default), and the school and the centre hear of it at once.
"""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from safecampus.core.access import scope_for
from safecampus.core.db import in_write_transaction
from safecampus.core.refusals import Code, refuse
from safecampus.core.roles import SCHOOL_ROLES, Role
from safecampus.notifications.models import NoticeKind
from safecampus.notifications.services import notify_now

from . import access, messages, timeliness
from .choices import IncidentType
from .inputs import count as _count
from .inputs import is_date
from .inputs import now as _now
from .inputs import text as _text
from .models import ClusterAlert, IllnessRecord
from .services import _routed_department, settings_for

#: the most cases one record holds (the columns are small integers), and how old a day may be
MAX_CASES = 1000
MAX_AGE_DAYS = 30

# --- illness records and cluster alerts ---------------------------------------------------------


def illness_record(*, actor, data: dict, now=None) -> tuple[IllnessRecord, ClusterAlert | None]:
    """Record cases of illness in a class on a day; raise a cluster alert when the class reaches
    the bureau's thresholds (an incident is then due within ``cluster_minutes``)."""
    from safecampus.orgs.models import School

    now = _now(now)
    data = dict(data or {})
    errors: dict = {}
    school = None
    if access.illness_q(scope_for(actor), access.EDIT) is None:
        raise refuse(_("Your roles do not allow recording illness."), Code.NOT_ALLOWED)
    try:
        school = School.objects.filter(_school_q(actor)).get(pk=int(data.get("school")))
    except (School.DoesNotExist, TypeError, ValueError, OverflowError):
        errors["school"] = [_("Choose a school you may record for.")]
    class_name = _text(data, "class_name", errors, required=True, limit=40)
    symptoms = _text(data, "symptoms", errors, required=True, limit=200)
    cases = _count(data.get("cases"), "cases", errors)
    if "cases" not in errors and cases < 1:
        errors["cases"] = [_("Enter at least one case.")]
    elif cases > MAX_CASES:
        errors["cases"] = [_("Enter at most %(n)s cases.") % {"n": MAX_CASES}]
    day = data.get("day")
    if isinstance(day, str):
        day = datetime.date.fromisoformat(day) if is_date(day) else None
    if not isinstance(day, datetime.date):
        errors.setdefault("day", []).append(_("Enter a date such as 2027-03-01."))
    elif day > timezone.localtime(now).date():
        errors.setdefault("day", []).append((_("This date lies in the future."), Code.IN_FUTURE))
    elif day < timezone.localtime(now).date() - datetime.timedelta(days=MAX_AGE_DAYS):
        errors.setdefault("day", []).append(
            _("Record illness of the last %(n)s days only.") % {"n": MAX_AGE_DAYS}
        )
    if errors:
        raise refuse(errors)
    settings = settings_for(school.bureau_id)

    def write():
        # One record at a time per school: two records of the same class at once must not both
        # miss (or both raise) the cluster alert.
        School.objects.select_for_update().filter(pk=school.pk).first()
        record = IllnessRecord.objects.create(
            bureau_id=school.bureau_id,
            school=school,
            class_name=class_name,
            day=day,
            cases=cases,
            symptoms=symptoms,
            recorded_at=now,
            recorded_by=actor,
        )
        span = datetime.timedelta(days=settings.cluster_window_days - 1)
        counts: dict = {}
        for d, n in IllnessRecord.objects.filter(
            school=school, class_name=class_name, day__gte=day - span, day__lte=day + span
        ).values_list("day", "cases"):
            counts[d] = counts.get(d, 0) + n
        trigger = timeliness.cluster_trigger(
            counts,
            day=day,
            day_cases=settings.cluster_day_cases,
            window_days=settings.cluster_window_days,
            window_cases=settings.cluster_window_cases,
        )
        if trigger is None:
            return record, None
        overlapping = ClusterAlert.objects.filter(
            school=school,
            class_name=class_name,
            first_day__lte=trigger.last_day,
            last_day__gte=trigger.first_day - span,
        ).exists()
        if overlapping:
            return record, None
        alert = ClusterAlert.objects.create(
            bureau_id=school.bureau_id,
            school=school,
            class_name=class_name,
            rule=trigger.rule,
            cases=trigger.cases,
            first_day=trigger.first_day,
            last_day=trigger.last_day,
            triggered_at=now,
            due_at=now + datetime.timedelta(minutes=settings.cluster_minutes),
        )
        _announce_cluster(alert, now=now)
        return record, alert

    return in_write_transaction(write)


def _school_q(actor) -> Q:
    """The schools ``actor`` records illness for: their own school; the centre any of its
    bureau."""
    return access.illness_schools_q(scope_for(actor)) or Q(pk__in=[])


def _announce_cluster(alert: ClusterAlert, *, now) -> None:

    from safecampus.accounts.models import RoleAssignment

    rows = RoleAssignment.objects.active().filter(user__is_active=True)
    school_staff = rows.filter(school_id=alert.school_id, role__in=sorted(SCHOOL_ROLES))
    centre = rows.filter(bureau_id=alert.bureau_id, role=Role.SAFETY_CENTRE)
    recipients = set(school_staff.values_list("user_id", flat=True)) | set(
        centre.values_list("user_id", flat=True)
    )
    text = _(
        "%(school)s %(cls)s: %(n)s cases from %(first)s to %(last)s. Report within "
        "%(minutes)s minutes (by %(due)s)."
    ) % {
        "school": alert.school.name,
        "cls": alert.class_name,
        "n": alert.cases,
        "first": alert.first_day.isoformat(),
        "last": alert.last_day.isoformat(),
        "minutes": int((alert.due_at - alert.triggered_at).total_seconds() // 60),
        "due": timezone.localtime(alert.due_at).strftime("%H:%M"),
    }
    url = reverse("incidents:cluster_list")
    notify_now(
        sorted(recipients),
        kind=NoticeKind.CLUSTER,
        text=text,
        url=url,
        key=f"cluster:{alert.pk}",
        now=now,
    )
    messages.cluster_alert(
        alert,
        users=sorted(recipients),
        text=text,
        url=url,
        department_id=_routed_department(alert.bureau_id, IncidentType.INFECTIOUS),
        now=now,
    )
