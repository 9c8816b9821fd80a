"""Pages: the Word documents of an incident (快报 / 续报 / 终报), the monthly summary, and the
Excel 台账 started as a job from the list's filters.

An incident's document is read through ``selectors.incident_get(user, pk, what="document")``:
a restricted case's download is audited, and anyone not named on it gets a 404 (the attempt
audited too). The monthly summary is for the bureau roles that see incident figures.
"""

from __future__ import annotations

import datetime

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from safecampus.audit.models import Action
from safecampus.audit.services import audit_record
from safecampus.core.access import get_for, require
from safecampus.core.capabilities import INCIDENT_FIGURES_VIEW, INCIDENT_VIEW, JOB_CAPABILITY
from safecampus.core.db import in_write_transaction
from safecampus.core.documents import DOCX_CONTENT_TYPE, content_disposition
from safecampus.core.jobs import job_start
from safecampus.orgs.models import Bureau

from .. import documents, exports, selectors

EXPORT_JOB = "incidents.export"


@login_required
def incident_document(request, pk: int, kind: str):
    """The 公文 of one report of an incident: ``kind`` initial (快报), follow_up (续报; ``?n=2``
    the second, default the latest) or final (终报)."""
    if kind not in documents.KINDS:
        raise Http404
    incident = selectors.incident_get(request.user, pk, what="document")
    n = request.GET.get("n")
    try:
        number = int(n) if n not in (None, "") else None
    except ValueError:
        raise Http404 from None
    try:
        content, name = documents.incident_document(incident, kind=kind, n=number)
    except documents.DocumentNotFound:
        raise Http404(
            pgettext("incident documents", "This incident has no such report yet.")
        ) from None
    response = HttpResponse(content, content_type=DOCX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition(name)
    response["Cache-Control"] = "private, no-store"
    return response


def _month(value: str | None, today: datetime.date) -> datetime.date | None:
    """ "2027-03" → 2027-03-01; a month still to come is no month."""
    if not value:
        return None
    try:
        year, month = (int(x) for x in value.split("-")[:2])
        first = datetime.date(year, month, 1)
    except (TypeError, ValueError):
        return None
    return first if first <= today.replace(day=1) else None


@login_required
def monthly_summary(request):
    """The month's summary of a bureau (``?month=2027-03``, ``?bureau=`` when the reader has
    several) as a 公文; without a month, a page to choose one."""
    require(request.user, INCIDENT_FIGURES_VIEW)
    bureaus = Bureau.objects.visible_to(request.user).order_by("pk")
    if request.GET.get("bureau"):
        bureau = get_for(request.user, bureaus, request.GET["bureau"])
    else:
        bureau = bureaus.first()
        if bureau is None:
            raise Http404
    today = timezone.localdate()
    month = _month(request.GET.get("month"), today)
    if month is None:
        last = today.replace(day=1) - datetime.timedelta(days=1)
        return render(
            request,
            "incidents/monthly_summary.html",
            {
                "bureau": bureau,
                "bureaus": list(bureaus[:50]),
                "month": request.GET.get("month") or f"{last:%Y-%m}",
                "max_month": f"{today:%Y-%m}",
                "invalid": bool(request.GET.get("month")),
            },
            status=400 if request.GET.get("month") else 200,
        )
    content, name = documents.monthly_summary(request.user, bureau=bureau, month=month)
    in_write_transaction(
        lambda: audit_record(
            action=Action.EXPORT,
            actor=request.user,
            bureau_id=bureau.pk,
            data={"kind": "incidents.summary", "month": f"{month:%Y-%m}"},
        )
    )
    response = HttpResponse(content, content_type=DOCX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition(name)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def incident_export(request):
    """The incidents as filtered (the list's query-string names, posted by the list's export
    button with its CSRF token), to an Excel 台账 written by a job; the reader lands on the
    job's page and its progress bar. A GET starts nothing (405), as zones' case export."""
    require(request.user, INCIDENT_VIEW)
    require(request.user, JOB_CAPABILITY[EXPORT_JOB], _("Your roles do not allow this."))
    source = request.POST
    job = job_start(
        kind=EXPORT_JOB,
        title=pgettext("incident documents", "Export of the incidents"),
        user=request.user,
        params={"filters": exports.filter_params(source)},
    )
    return redirect(job)


urlpatterns: list = [
    path("<int:pk>/document/<str:kind>/", incident_document, name="incident_document"),
    path("summary/", monthly_summary, name="monthly_summary"),
    path("export/", incident_export, name="incident_export"),
]
