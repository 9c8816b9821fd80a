"""The school dashboard pages: the dashboard (phone first), its printable A4 page and its Excel
workbook. A school outside the user's scope is a 404; a school the user sees without seeing all
of its hazards (a department, a partner unit) is a 403."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from safecampus.core.access import scope_for
from safecampus.core.excel import XLSX_CONTENT_TYPE, attachment

from . import access
from . import school as selectors


def _page(request, school):
    data = selectors.school_dashboard(user=request.user, school=school)
    return render(request, "reports/school_dashboard.html", data)


@login_required
@require_GET
def school_dashboard(request):
    """The user's own school; a choice when they hold roles in several; the school list for the
    bureau's officers, who open a school's dashboard from there."""
    schools = selectors.own_schools(user=request.user)
    if len(schools) == 1:
        return _page(request, schools[0])
    if schools:
        return render(request, "reports/school_dashboard.html", {"choices": schools})
    if access.sees_bureau_schools(scope_for(request.user)):
        return redirect("orgs:school_list")
    raise PermissionDenied(_("Your roles do not allow this."))


@login_required
@require_GET
def school_dashboard_for(request, pk: int):
    return _page(request, selectors.school_get(user=request.user, pk=pk))


@login_required
@require_GET
def school_dashboard_print(request, pk: int):
    school = selectors.school_get(user=request.user, pk=pk)
    data = selectors.school_dashboard(user=request.user, school=school)
    return render(request, "reports/school_dashboard_print.html", data)


@login_required
@require_GET
def school_dashboard_xlsx(request, pk: int):
    school = selectors.school_get(user=request.user, pk=pk)
    content, name = selectors.school_export(
        user=request.user, school=school, base_url=request.build_absolute_uri("/")[:-1]
    )
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = attachment(name)
    return response
