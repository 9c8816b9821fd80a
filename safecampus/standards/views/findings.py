"""Pages of security standards: findings, and turning them into hazards in one step.

- ``finding_list``: the findings the user sees (``Finding.objects.visible_to``), filtered on
  indexed columns, 50 a page; those the user may act on carry a checkbox, and one form turns
  the chosen ones, or all of the filtered list, into hazards;
- ``finding_detail``: one finding, its timeline and the raise button;
- ``finding_raise`` / ``finding_raise_bulk``: POST, through ``services.raise_hazard(s)`` (404
  out of scope, 403 for a role that only reads); a major finding needs the interim measures
  (002 §三.4), given once for all the major ones;
- ``finding_xlsx``: the filtered list as an Excel workbook.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from safecampus.catalog.choices import HazardLevel
from safecampus.core.access import can, get_for, require, scope_for
from safecampus.core.capabilities import STANDARDS_FINDING_ACT, STANDARDS_FINDINGS_VIEW
from safecampus.core.excel import (
    XLSX_CONTENT_TYPE,
)
from safecampus.core.forms import id_param
from safecampus.core.refusals import errors_of

from .. import access, findings_export, services
from ..choices import FindingAction, FindingStatus
from ..findings_export import errors as _errors
from ..findings_export import filter_form as _filter_form
from ..findings_export import findings as _findings
from ..models import Finding, RuleSet

PAGE_SIZE = 50
RAISE_FORM = "raise-form"


# --- raising ----


class InterimForm(forms.Form):
    """The interim measures a major hazard needs (002 §三.4), once for all major findings."""

    interim_measures = forms.CharField(
        label=gettext_lazy("interim safety measures"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control form-control-sm"}),
    )
    interim_unit = forms.CharField(
        label=gettext_lazy("unit responsible for interim measures"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )
    interim_person = forms.CharField(
        label=gettext_lazy("person responsible for interim measures"),
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )
    interim_deadline = forms.DateField(
        label=gettext_lazy("interim measures in place by"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"}),
    )

    def __init__(self, data=None, *, form_id: str = ""):
        super().__init__(data)
        if form_id:  # the fields sit outside the form they belong to
            for field in self.fields.values():
                field.widget.attrs["form"] = form_id

    def interim(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}


def _refusal_messages(exc: ValidationError) -> list[str]:
    """The refusal's messages, each once, after the fields it names (the register names every
    missing interim field with the same sentence)."""
    labels = {name: str(f.label) for name, f in InterimForm.base_fields.items()}
    fields: dict[str, list[str]] = {}
    for field, msgs in errors_of(exc).items():
        for m in msgs:
            fields.setdefault(m, [])
            if field in labels:
                fields[m].append(labels[field])
    return [f"{'、'.join(names)}：{m}" if names else m for m, names in fields.items()]


def _mark_interim(form: InterimForm, exc: ValidationError) -> None:
    """Mark the interim fields the refusal names invalid (the refusal's message, naming them,
    stands once right above them)."""
    for field in errors_of(exc):
        if field in form.fields:
            widget = form.fields[field].widget
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()
            widget.attrs["aria-invalid"] = "true"


def _raised_message(findings: list[Finding], now) -> str:
    from ..models import FindingEvent

    linked = FindingEvent.objects.filter(
        finding__in=[f.pk for f in findings], action=FindingAction.LINK_HAZARD, at=now
    ).count()
    return _("Turned %(n)s into hazards (%(m)s linked to open hazards).") % {
        "n": len(findings),
        "m": linked,
    }


def _may_act(user) -> bool:
    return can(user, STANDARDS_FINDING_ACT)


# --- pages ----


def _list_response(
    request, params, *, interim_form=None, raise_errors=(), status=200, picked=frozenset()
):
    require(request.user, STANDARDS_FINDINGS_VIEW)
    form = _filter_form(request.user, params)
    if form.is_bound and not form.is_valid():
        status = 400
    qs = _findings(request.user, form).order_by("-opened_at", "pk")
    page = Paginator(qs, PAGE_SIZE).get_page(params.get("page"))
    page.object_list = list(page.object_list)
    may_act = _may_act(request.user)
    actable: set[int] = set()
    has_major = False
    if may_act and page.object_list:
        actable = set(
            Finding.objects.restrict(request.user, access.ACT)
            .filter(
                pk__in=[f.pk for f in page.object_list],
                status=FindingStatus.OPEN,
                hazard__isnull=True,
            )
            .values_list("pk", flat=True)
        )
        has_major = any(f.level == HazardLevel.MAJOR for f in page.object_list if f.pk in actable)
    names = form.rule_set_names
    for f in page.object_list:
        f.rule_set_name = names.get(f.rule_set_code, f.rule_set_code)
        f.actable = f.pk in actable
        f.picked = f.pk in picked
    query = form.data.urlencode() if form.is_bound else ""
    return render(
        request,
        "standards/findings/finding_list.html",
        {
            "form": form,
            "errors": _errors(form) if form.is_bound and not form.is_valid() else [],
            "page": page,
            "query": query,
            "may_act": may_act,
            "any_actable": bool(actable),
            "has_major": has_major,
            "interim_form": interim_form or InterimForm(form_id=RAISE_FORM),
            "raise_errors": raise_errors,
            "xlsx_url": reverse("standards:finding_xlsx") + (f"?{query}" if query else ""),
        },
        status=status,
    )


@login_required
@require_GET
def finding_list(request):
    return _list_response(request, request.GET)


@login_required
@require_GET
def finding_detail(request, pk: int):
    return _detail_response(request, pk)


def _detail_response(request, pk, *, interim_form=None, raise_errors=(), status=200):
    require(request.user, STANDARDS_FINDINGS_VIEW)
    finding = get_for(
        request.user, Finding.objects.select_related("school", "department", "hazard"), pk
    )
    events = list(finding.events.select_related("actor").order_by("at", "pk"))
    for e in events:
        e.label = FindingAction(e.action).label if e.action in FindingAction.values else e.action
        e.hazard_code = e.data.get("hazard", "") if isinstance(e.data, dict) else ""
    may_raise = (
        finding.status == FindingStatus.OPEN
        and finding.hazard_id is None
        and access.can_act_on_finding(scope_for(request.user), finding)
    )
    return render(
        request,
        "standards/findings/finding_detail.html",
        {
            "finding": finding,
            "events": events,
            "rule_set_name": RuleSet.objects.filter(code=finding.rule_set_code)
            .values_list("name", flat=True)
            .first()
            or finding.rule_set_code,
            "card_url": f"/standards/schools/{finding.school_id}/",
            "may_raise": may_raise,
            "interim_form": interim_form or InterimForm(),
            "raise_errors": raise_errors,
        },
        status=status,
    )


@login_required
@require_POST
def finding_raise(request, pk: int):
    """Turn one finding into a hazard (or link it to the open hazard of its requirement)."""
    finding = get_for(request.user, Finding, pk, access.ACT)
    form = InterimForm(request.POST)
    if not form.is_valid():
        errors = [f"{form.fields[k].label}：{m}" for k, ms in form.errors.items() for m in ms]
        return _detail_response(request, pk, interim_form=form, raise_errors=errors, status=400)
    now = timezone.now()
    try:
        raised = services.raise_hazard(
            actor=request.user, finding_id=finding.pk, interim=form.interim(), now=now
        )
    except ValidationError as exc:
        _mark_interim(form, exc)
        return _detail_response(
            request, pk, interim_form=form, raise_errors=_refusal_messages(exc), status=400
        )
    messages.success(request, _raised_message([raised], now))
    return redirect("standards:finding_detail", pk=finding.pk)


@login_required
@require_POST
def finding_raise_bulk(request):
    """Turn the chosen findings (``ids``), or every open one of the list's filters the user may
    act on (``all=1``, the filters in ``q``), into hazards in one transaction."""
    require(
        request.user,
        STANDARDS_FINDING_ACT,
        _("Only the department a finding goes to, or the safety centre, turns it into a hazard."),
    )
    params = QueryDict(request.POST.get("q", ""))
    form = InterimForm(request.POST, form_id=RAISE_FORM)
    # the findings ticked stay ticked when the request is refused
    picked = frozenset(i for i in (id_param(v) for v in request.POST.getlist("ids")) if i)

    def refused(errors):
        return _list_response(
            request, params, interim_form=form, raise_errors=errors, status=400, picked=picked
        )

    if not form.is_valid():
        return refused(
            [f"{form.fields[k].label}：{m}" for k, ms in form.errors.items() for m in ms]
        )
    kwargs: dict = {}
    if request.POST.get("all") == "1":
        filters = _filter_form(request.user, params)
        if filters.is_bound and not filters.is_valid():
            return refused(_errors(filters))
        kwargs["queryset"] = filters.apply(Finding.objects.all())
    else:
        ids = {id_param(i) for i in request.POST.getlist("ids")}
        if None in ids:
            return refused([_("Choose findings from the list.")])
        if not ids:
            return refused([_("Choose at least one finding to turn into a hazard.")])
        if Finding.objects.visible_to(request.user).filter(pk__in=ids).count() != len(ids):
            raise Http404(_("Not found, or outside your scope."))
        kwargs["finding_ids"] = ids
    now = timezone.now()
    try:
        raised = services.raise_hazards(
            actor=request.user, interim=form.interim(), now=now, **kwargs
        )
    except ValidationError as exc:
        _mark_interim(form, exc)
        return refused(_refusal_messages(exc))
    if not raised:
        messages.info(request, _("No open finding of this list is waiting to become a hazard."))
    else:
        messages.success(request, _raised_message(raised, now))
    url = reverse("standards:finding_list")
    return redirect(f"{url}?{params.urlencode()}" if params else url)


@login_required
@require_GET
def finding_xlsx(request):
    require(request.user, STANDARDS_FINDINGS_VIEW)
    with translation.override("zh-hans"):
        form = _filter_form(request.user, request.GET)
        if form.is_bound and not form.is_valid():
            return _list_response(request, request.GET)
    tmp, name = findings_export.export_findings(request.user, form)
    return FileResponse(tmp, as_attachment=True, filename=name, content_type=XLSX_CONTENT_TYPE)


urlpatterns: list = [
    path("findings/", finding_list, name="finding_list"),
    path("findings/raise/", finding_raise_bulk, name="finding_raise_bulk"),
    path("findings/export.xlsx", finding_xlsx, name="finding_xlsx"),
    path("findings/<int:pk>/", finding_detail, name="finding_detail"),
    path("findings/<int:pk>/raise/", finding_raise, name="finding_raise"),
]
