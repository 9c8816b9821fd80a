"""Pages: illness records and cluster alerts (因病缺课与聚集性疫情).

- ``cluster_list``: a school's last 14 days of cases per class (its own school; a bureau reader
  picks one with ``?school=``), and the cluster alerts the user sees: open ones first, oldest
  deadline first, each with its countdown (late ones flagged, ``ClusterAlert.is_late``) and, for
  those who report incidents, a "上报事件" button to ``incident_new?cluster=<id>``; then the
  alerts already reported, with the incident (a link only where the reader sees the incident)
  and whether it was reported on time.
- ``illness_new``: a school (or the centre for one) records the cases of one class on one day
  (``illness.illness_record``); when the class reaches the bureau's thresholds an alert is
  raised and the page says by when the incident is due.
"""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from safecampus.core.access import VIEW, can, scope_for
from safecampus.core.capabilities import INCIDENT_REPORT
from safecampus.core.refusals import to_form
from safecampus.core.roles import SCHOOL_ROLES
from safecampus.orgs.models import School

from .. import access, illness
from ..models import ClusterAlert, IllnessRecord, Incident

#: days of cases shown per class
DAYS = 14
#: reported alerts shown under the open ones
REPORTED = 50


def _require_view(user) -> None:
    if access.illness_q(scope_for(user), VIEW) is None:
        raise PermissionDenied(_("Your roles do not reach illness records."))


def _report_schools(user):
    q = access.report_schools_q(scope_for(user))
    return School.objects.none() if q is None else School.objects.filter(q)


def _grid(records, today: datetime.date) -> dict:
    """Cases per class and day over the last ``DAYS`` days: ``{"days", "rows"}``."""
    days = [today - datetime.timedelta(days=n) for n in range(DAYS - 1, -1, -1)]
    per: dict[str, dict] = {}
    for class_name, day, cases in records:
        per.setdefault(class_name, {})
        per[class_name][day] = per[class_name].get(day, 0) + cases
    rows = [
        {
            "class_name": name,
            "cells": [per[name].get(d, 0) for d in days],
            "total": sum(per[name].values()),
        }
        for name in sorted(per)
    ]
    return {"days": days, "rows": rows}


def _chosen_school(request):
    """The school whose cases are shown: ``?school=`` (404 outside the reader's illness scope), or
    the reader's own when they hold a role at exactly one school."""
    raw = request.GET.get("school") or ""
    if not raw:
        return _own_school(request.user)
    school = School.objects.filter(pk=_int_or_404(raw)).first()
    if school is None or not _reads_school(request.user, school):
        raise Http404
    return school


def _own_school(user):
    if not can(user, SCHOOL_ROLES):
        return None
    own = list(_report_schools(user).order_by("name")[:2])
    return own[0] if len(own) == 1 else None


def _reads_school(user, school) -> bool:
    """Whether ``user`` reads the illness records of ``school`` (an illness record of it would be
    visible): checked on the school's bureau and id through the queryset's own scope."""
    probe = IllnessRecord(bureau_id=school.bureau_id, school_id=school.pk)
    return bool(access.illness_roles(scope_for(user), probe))


@login_required
@require_GET
def cluster_list(request):
    _require_view(request.user)
    now = timezone.now()
    today = timezone.localdate(now)
    school = _chosen_school(request)
    grid = None
    if school is not None:
        since = today - datetime.timedelta(days=DAYS - 1)
        records = (
            IllnessRecord.objects.visible_to(request.user)
            .filter(school=school, day__gte=since, day__lte=today)
            .values_list("class_name", "day", "cases")
        )
        grid = _grid(records, today)
    alerts = ClusterAlert.objects.visible_to(request.user).select_related("school")
    if school is not None:
        alerts = alerts.filter(school=school)
    open_alerts = list(alerts.filter(incident__isnull=True).order_by("due_at", "pk"))
    reported = list(
        alerts.filter(incident__isnull=False).order_by("-triggered_at", "-pk")[:REPORTED]
    )
    seen = set(
        Incident.objects.visible_to(request.user)
        .filter(pk__in=[a.incident_id for a in reported])
        .values_list("pk", flat=True)
    )
    for a in open_alerts:
        a.late = a.is_late(now)
        a.minutes = int(abs((a.due_at - now).total_seconds()) // 60)
    for a in reported:
        a.on_time = not a.is_late(now)
        a.linked = a.incident_id in seen
    reports = can(request.user, INCIDENT_REPORT)
    return render(
        request,
        "incidents/cluster_list.html",
        {
            "school": school,
            "grid": grid,
            "open_alerts": open_alerts,
            "reported": reported,
            "reports": reports,
            "records": access.illness_q(scope_for(request.user), access.EDIT) is not None,
            "new_url": reverse("incidents:incident_new"),
        },
    )


class IllnessForm(forms.Form):
    school = forms.ModelChoiceField(label=gettext_lazy("school"), queryset=School.objects.none())
    class_name = forms.CharField(label=gettext_lazy("class"), max_length=40)
    day = forms.DateField(
        label=gettext_lazy("day"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    cases = forms.IntegerField(label=gettext_lazy("cases"), min_value=1, max_value=1000)
    symptoms = forms.CharField(label=gettext_lazy("symptoms"), max_length=200)

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools
        for field in self.fields.values():
            cls = "form-select" if isinstance(field, forms.ModelChoiceField) else "form-control"
            field.widget.attrs.setdefault("class", cls)
        self.fields["cases"].widget.attrs["inputmode"] = "numeric"


@login_required
@require_http_methods(["GET", "POST"])
def illness_new(request):
    if access.illness_q(scope_for(request.user), access.EDIT) is None:
        raise PermissionDenied(_("Your roles do not allow recording illness."))
    schools = _report_schools(request.user).order_by("name")
    only = list(schools[:2])
    initial = {"day": timezone.localdate()}
    if request.GET.get("school"):
        chosen = schools.filter(pk=_int_or_404(request.GET["school"])).first()
        if chosen is None:
            raise Http404
        initial["school"] = chosen.pk
    elif len(only) == 1:
        initial["school"] = only[0].pk
    form = IllnessForm(request.POST or None, schools=schools, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {**form.cleaned_data, "school": form.cleaned_data["school"].pk}
        try:
            record, alert = illness.illness_record(actor=request.user, data=data)
        except ValidationError as exc:
            to_form(form, exc)
        else:
            url = reverse("incidents:cluster_list") + "?" + urlencode({"school": record.school_id})
            if alert is None:
                messages.success(request, _("The cases are recorded."))
            else:
                messages.warning(
                    request,
                    _(
                        "The cases are recorded. %(cls)s has reached the cluster threshold "
                        "(%(n)s cases): report an incident by %(due)s."
                    )
                    % {
                        "cls": alert.class_name,
                        "n": alert.cases,
                        "due": timezone.localtime(alert.due_at).strftime("%H:%M"),
                    },
                )
            return redirect(url)
    classes = []
    if len(only) == 1:
        since = timezone.localdate() - datetime.timedelta(days=60)
        classes = list(
            IllnessRecord.objects.visible_to(request.user)
            .filter(school=only[0], day__gte=since)
            .order_by("class_name")
            .values_list("class_name", flat=True)
            .distinct()[:100]
        )
    return render(
        request,
        "incidents/illness_new.html",
        {"form": form, "single_school": only[0] if len(only) == 1 else None, "classes": classes},
        status=400 if request.method == "POST" else 200,
    )


def _int_or_404(raw) -> int:
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise Http404 from None


urlpatterns = [
    path("clusters/", cluster_list, name="cluster_list"),
    path("clusters/illness/new/", illness_new, name="illness_new"),
]
