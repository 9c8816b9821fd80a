"""Pages: the Word documents of an incident (快报 / 续报 / 终报), the monthly summary, and the
Excel 台账 started as a job from the list's filters.

An incident's document is read through ``selectors.incident_get(user, pk, what="document")``:
a restricted case's download is audited, and anyone not named on it gets a 404 (the attempt
audited too). The monthly summary is for the bureau roles that see incident figures.
"""

from __future__ import annotations

import datetime

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from safecampus.core.documents import DOCX_CONTENT_TYPE, content_disposition
from safecampus.orgs.models import Bureau

from .. import documents, exports

EXPORT_JOB = "incidents.export"


@login_required
def incident_document(request, pk: int, kind: str):
    """The 公文 of one report of an incident: ``kind`` initial (快报), follow_up (续报; ``?n=2``
    the second, default the latest) or final (终报)."""
    content, name = documents.document_for(request.user, pk, kind=kind, n=request.GET.get("n"))
    response = HttpResponse(content, content_type=DOCX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition(name)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def monthly_summary(request):
    """The month's summary of a bureau (``?month=2027-03``, ``?bureau=`` when the reader has
    several) as a 公文; without a month, a page to choose one."""
    bureau = documents.summary_bureau(request.user, request.GET.get("bureau"))
    today = timezone.localdate()
    month = documents.parse_month(request.GET.get("month"), today)
    if month is None:
        last = today.replace(day=1) - datetime.timedelta(days=1)
        bureaus = Bureau.objects.visible_to(request.user).order_by("pk")
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
    content, name = documents.summary_for(request.user, bureau=bureau, month=month)
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
    return redirect(exports.start_export(request.user, request.POST))


urlpatterns: list = [
    path("<int:pk>/document/<str:kind>/", incident_document, name="incident_document"),
    path("summary/", monthly_summary, name="monthly_summary"),
    path("export/", incident_export, name="incident_export"),
]
