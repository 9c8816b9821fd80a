"""Register pages: the list (台账 / 隐患清单), a hazard with its timeline and actions, a new report,
the export, and evidence files served only inside the user's scope."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from safecampus.catalog.models import RiskArea
from safecampus.core.access import can, require
from safecampus.core.api import CappedPaginator, count_cap
from safecampus.core.capabilities import HAZARD_REPORT, HAZARD_VIEW
from safecampus.core.excel import XLSX_CONTENT_TYPE
from safecampus.core.filters import filters_from_request
from safecampus.core.refusals import Code, refusal_code, to_form
from safecampus.orgs.models import Department, School

from . import selectors, services
from .choices import Action
from .evidence import serve_evidence
from .excel import export_name, export_register
from .filtersets import HazardFilterSet, campaign_choices
from .forms import ActionForm, HazardReportForm, published_versions
from .models import Hazard

PAGE_SIZE = 50
#: the school filter is a drop-down up to this many schools (otherwise search by name)
SCHOOL_SELECT_LIMIT = 300
#: the department filter is a drop-down up to this many departments. A city's 3,000 are too
#: many to render (0.2 s) or to choose from; beyond the limit the filter still works from the URL
DEPARTMENT_SELECT_LIMIT = 300


def _require_view(user) -> None:
    require(user, HAZARD_VIEW, _("Your roles do not allow this."))


def _filter_form(request, filterset: HazardFilterSet) -> None:
    """Dress the filter form: choices from the user's scope, Bootstrap classes."""
    user = request.user
    fields = filterset.form.fields
    schools = School.objects.visible_to(user).order_by("name").values_list("pk", "name")
    school_choices = list(schools[: SCHOOL_SELECT_LIMIT + 1])
    if 1 < len(school_choices) <= SCHOOL_SELECT_LIMIT:
        fields["school"].widget = forms.Select(choices=[("", _("All"))] + school_choices)
    else:
        fields["school"].widget = forms.HiddenInput()
    depts = Department.objects.visible_to(user).values_list("pk", "name")
    dept_choices = list(depts[: DEPARTMENT_SELECT_LIMIT + 1])
    if len(dept_choices) <= DEPARTMENT_SELECT_LIMIT:
        fields["department"].widget = forms.Select(choices=[("", _("All"))] + dept_choices)
    else:
        fields["department"].widget = forms.HiddenInput()
    versions = [v.pk for v in published_versions(user)]
    areas = dict(
        RiskArea.objects.filter(version_id__in=versions)
        .order_by("sort_order", "code")
        .values_list("code", "name")
    )
    fields["area"].widget = forms.Select(
        choices=[("", _("All"))] + [(c, f"{c} {n}") for c, n in areas.items()]
    )
    fields["campaign"].widget = forms.Select(choices=campaign_choices(user))
    for name in ("status", "colour"):
        fields[name].widget = forms.CheckboxSelectMultiple(choices=fields[name].choices)
    for field in fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxSelectMultiple | forms.HiddenInput):
            continue
        css = (
            "form-select form-select-sm"
            if isinstance(widget, forms.Select)
            else ("form-control form-control-sm")
        )
        widget.attrs.setdefault("class", css)


@login_required
def hazard_list(request):
    """The register in the user's scope: a school's 台账, a department's 隐患清单, the bureau's."""
    _require_view(request.user)
    filters = filters_from_request(request)
    qs = selectors.hazard_list(user=request.user, filters=filters)
    filterset = HazardFilterSet(request.GET or None, queryset=Hazard.objects.none())
    if filterset.is_bound:
        filterset.is_valid()
    _filter_form(request, filterset)
    cap = count_cap(request.GET)
    page = CappedPaginator(qs, PAGE_SIZE, cap=cap).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    ctx = {
        "filterset": filterset,
        "page": page,
        "query": query.urlencode(),
        "can_report": can(request.user, HAZARD_REPORT),
        "filtered": bool(filters),
        "extra_filters": _extra_filters(request, filterset),
    }
    if request.headers.get("HX-Request") and not request.headers.get("HX-Boosted"):
        return render(request, "hazards/_hazard_table.html", ctx)
    return render(request, "hazards/hazard_list.html", ctx)


#: filters with a control of their own on the register page; the others (those the dashboard's
#: links set, e.g. ``stage`` or ``overdue_min``) are kept as hidden inputs and shown as chips
VISIBLE_FILTERS = frozenset(
    {
        "q", "school", "area", "department", "sort", "status", "colour", "level", "source",
        "overdue", "summary", "supervised", "item", "deadline_from", "deadline_to",
        "found_from", "found_to", "campaign",
    }
)  # fmt: skip


def _extra_filters(request, filterset) -> list[dict]:
    """The filters in the URL that the form does not show: each with its label, its values and
    the URL of the register without it, so a person arriving from a dashboard sees what is
    applied and can remove it."""
    extra = []
    for name, field in filterset.form.fields.items():
        values = [v for v in request.GET.getlist(name) if v != ""]
        if name in VISIBLE_FILTERS or not values:
            continue
        rest = request.GET.copy()
        rest.pop(name, None)
        rest.pop("page", None)
        labels = dict(getattr(field, "choices", None) or ())
        if isinstance(field, forms.NullBooleanField):  # a yes/no filter reads 是/否, not true
            labels = {"true": _("Yes"), "false": _("No")}
        extra.append(
            {
                "name": name,
                "label": field.label,
                "values": values,
                "shown": [str(labels.get(v, v)) for v in values],
                "without": rest.urlencode(),
            }
        )
    return extra


def _action_forms(request, hazard, bound: ActionForm | None = None) -> list[ActionForm]:
    allowed = services.allowed_actions(request.user, hazard)
    if bound is not None and bound.action not in allowed:
        # the hazard moved on meanwhile: say so, and give back what the person wrote
        text = bound.data.get(bound.add_prefix("comment"), "")
        messages.error(
            request,
            " ".join(str(e) for e in bound.non_field_errors())
            + (_(" Your text was: %(text)s") % {"text": text} if text else ""),
        )
    forms_ = []
    for action in allowed:
        if bound is not None and bound.action == action:
            forms_.append(bound)
        else:
            forms_.append(ActionForm(action=action, hazard=hazard))
    return forms_


def _detail(request, hazard, *, bound: ActionForm | None = None, status: int = 200):
    return render(
        request,
        "hazards/hazard_detail.html",
        {
            "hazard": hazard,
            "action_forms": _action_forms(request, hazard, bound),
            "open_action": bound.action if bound is not None else "",
            "events": hazard.events.all(),
            "evidence": hazard.evidence.all(),
            "cooperating": hazard.cooperating_departments.all(),
        },
        status=status,
    )


@login_required
def hazard_detail(request, pk: int):
    _require_view(request.user)
    hazard = selectors.hazard_get(user=request.user, pk=pk)
    return _detail(request, hazard)


@login_required
@require_POST
def hazard_action(request, pk: int, action: str):
    """Take one action. A refusal re-shows the page with the person's input kept in the form."""
    _require_view(request.user)
    hazard = selectors.hazard_get(user=request.user, pk=pk)
    if action not in Action.values:
        raise Http404
    form = ActionForm(request.POST, request.FILES, action=action, hazard=hazard)
    if form.is_valid():
        try:
            services.hazard_act(
                actor=request.user,
                hazard_id=hazard.pk,
                action=action,
                version=form.cleaned_data["version"],
                comment=form.cleaned_data.get("comment", ""),
                changes=form.changes(),
                files=form.cleaned_data.get("files") or (),
                phase=form.cleaned_data.get("phase"),
            )
        except ValidationError as exc:
            if refusal_code(exc) == Code.STALE:
                # show the hazard as it is now, keeping what the person typed (new version)
                hazard = selectors.hazard_get(user=request.user, pk=pk)
                data = request.POST.copy()
                data[form.add_prefix("version")] = str(hazard.version)
                form = ActionForm(data, action=action, hazard=hazard)
                form.is_valid()
                form.add_error(None, exc.messages)
            else:
                to_form(form, exc)
        else:
            messages.success(request, _("%(action)s: done.") % {"action": Action(action).label})
            return redirect(hazard)
    return _detail(request, hazard, bound=form, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def hazard_create(request):
    _require_view(request.user)
    require(request.user, HAZARD_REPORT, _("Your roles do not allow reporting hazards."))
    form = HazardReportForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        school = data.pop("school")
        item = data.pop("item")
        area = data.pop("area")
        files = data.pop("files")
        dept = data.pop("responsible_department", None)
        try:
            hazard = services.hazard_report(
                actor=request.user,
                school=school,
                item=item,
                area=area,
                responsible_department=dept,
                data=data,
                files=files,
            )
        except ValidationError as exc:
            to_form(form, exc)
        else:
            messages.success(request, _("Hazard %(code)s reported.") % {"code": hazard.code})
            return redirect(hazard)
    return render(request, "hazards/hazard_form.html", {"form": form})


@login_required
def hazard_export(request):
    """The register as filtered, to Excel: inline when small, as a job with progress when large."""
    _require_view(request.user)
    filters = filters_from_request(request)
    job, tmp, _rows = export_register(user=request.user, filters=filters)
    if job is not None:
        return redirect(job)
    return FileResponse(
        tmp,
        as_attachment=True,
        filename=export_name(request.user),
        content_type=XLSX_CONTENT_TYPE,
    )


@login_required
def evidence_file(request, pk: int):
    """An evidence file, only to users whose scope includes its hazard (404 otherwise)."""
    _require_view(request.user)
    ev = selectors.evidence_get(user=request.user, pk=pk)
    return serve_evidence(ev)


@login_required
def evidence_thumb(request, pk: int):
    _require_view(request.user)
    ev = selectors.evidence_get(user=request.user, pk=pk)
    if not ev.thumbnail:
        raise Http404
    return serve_evidence(ev, thumbnail=True)
