"""Pages of the student safety zone: rules and settings.

- The rules that apply to a bureau's schools (the national ones, the bureau's own and those of
  the bureaus above), each with what it keeps out, for which stages, how far, measured from which
  line, its source and the days to rectify; the rule history (who, when, before and after).
- The centre (``ZONE_MANAGE``) keeps its bureau's own rules (the shipped national ones are read
  only), chooses the department that takes zone cases (法制科 by default) and checks every venue
  again: a background job (``zones.recheck``) whose progress page it is taken to. A change of a
  rule starts the same job.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import pgettext, pgettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from safecampus.core.access import can, get_for, require, scope_for
from safecampus.core.capabilities import ZONE_MANAGE, ZONE_RULES_READ
from safecampus.core.refusals import to_form
from safecampus.orgs.choices import SchoolStage
from safecampus.orgs.models import Bureau, Department, School

from .. import access, jobs, selectors, services
from ..choices import MeasureFrom, RuleKind, VenueType, ZoneEventKind
from ..models import ZoneEvent, ZoneRule, ZoneSettings

#: rule history rows shown on the page
HISTORY = 50


def rule_bureaus(user) -> list[Bureau]:
    """The bureaus whose rules ``user`` reads: those of its bureau roles, else its schools'."""
    scope = scope_for(user)
    ids = set(access.register_bureaus(scope)) | set(access.manage_bureaus(scope))
    if not ids:
        q = access.school_geometry_q(scope)
        if q is not None:
            ids = set(School.objects.filter(q).values_list("bureau_id", flat=True))
    return list(Bureau.objects.filter(pk__in=ids).order_by("path"))


def _chosen_bureau(request, bureaus: list[Bureau]) -> Bureau | None:
    raw = request.GET.get("bureau") or request.POST.get("bureau") or ""
    if not raw:
        return bureaus[0] if bureaus else None
    for b in bureaus:
        if str(b.pk) == raw:
            return b
    raise Http404


def _manages(user, bureau) -> bool:
    return (
        bureau is not None
        and can(user, ZONE_MANAGE)
        and bureau.pk in access.manage_bureaus(scope_for(user))
    )


def _labels(values, choices) -> list[str]:
    names = dict(choices)
    return [str(names.get(v, v)) for v in values or []]


def measured_in_words(rule) -> str:
    if rule.kind == RuleKind.WAITING_AREA:
        return pgettext(
            "safety zone", "The parents' waiting area must lie within %(m)s m of a school gate."
        ) % {"m": rule.distance_m}
    if rule.measure_from == MeasureFrom.BOUNDARY:
        return pgettext(
            "safety zone",
            "Measured in a straight line from the campus boundary (the school's wall); "
            "from the gates while a school has no boundary recorded.",
        )
    return pgettext("safety zone", "Measured in a straight line from each school gate.")


def _decorate(rule) -> ZoneRule:
    rule.type_labels = _labels(rule.venue_types, VenueType.choices)
    rule.stage_labels = _labels(rule.stages, SchoolStage.choices)
    rule.measured_words = measured_in_words(rule)
    return rule


def _changes(event, departments: dict[int, str]) -> list[dict]:
    """What an event changed, field by field: ``{"field", "before", "after"}``."""
    data = event.data or {}
    if event.kind == ZoneEventKind.SETTINGS:
        before, after = (data.get("department") or [None, None])[:2]
        return [
            {
                "field": pgettext("safety zone", "responsible department"),
                "before": departments.get(before, "—"),
                "after": departments.get(after, "—"),
            }
        ]
    before, after = data.get("before") or {}, data.get("after") or {}
    labels = {f.name: f.verbose_name for f in ZoneRule._meta.fields}
    out = []
    for key in (*services.RULE_FIELDS, "is_active"):
        old, new = before.get(key), after.get(key)
        if event.action == "create" or old != new:
            out.append(
                {
                    "field": str(labels.get(key, key)),
                    "before": "" if event.action == "create" else _shown(old),
                    "after": _shown(new),
                }
            )
    return out


def _shown(value) -> str:
    if isinstance(value, bool):
        return pgettext("safety zone", "yes") if value else pgettext("safety zone", "no")
    if isinstance(value, list):
        return "、".join(_labels(value, [*VenueType.choices, *SchoolStage.choices])) or "—"
    if value in MeasureFrom.values:
        return str(MeasureFrom(value).label)
    if value in RuleKind.values:
        return str(RuleKind(value).label)
    return "—" if value in (None, "") else str(value)


@login_required
@require_GET
def rule_list(request):
    require(request.user, ZONE_RULES_READ)
    bureaus = rule_bureaus(request.user)
    bureau = _chosen_bureau(request, bureaus)
    visible = selectors.rules(request.user).select_related("bureau")
    if bureau is not None:
        active = visible.filter(pk__in=ZoneRule.objects.for_bureau(bureau).values("pk"))
    else:
        active = visible.filter(bureau__isnull=True, is_active=True)
    manages = _manages(request.user, bureau)
    rules = [_decorate(r) for r in active]
    inactive = []
    history = []
    department = None
    if bureau is not None:
        if manages:
            inactive = [_decorate(r) for r in visible.filter(bureau_id=bureau.pk, is_active=False)]
        history = list(
            ZoneEvent.objects.filter(
                bureau_id=bureau.pk, kind__in=(ZoneEventKind.RULE, ZoneEventKind.SETTINGS)
            )
            .select_related("actor")
            .order_by("-at", "-pk")[:HISTORY]
        )
        setting = (
            ZoneSettings.objects.visible_to(request.user)
            .filter(bureau_id=bureau.pk)
            .select_related("department")
            .first()
        )
        department = setting.department if setting else None
    names = {r.pk: r.name for r in rules + inactive}
    dept_ids = {
        x
        for e in history
        if e.kind == ZoneEventKind.SETTINGS
        for x in ((e.data or {}).get("department") or [])
        if isinstance(x, int)
    }
    departments = dict(Department.objects.filter(pk__in=dept_ids).values_list("pk", "name"))
    for e in history:
        e.rule_name = names.get(e.object_id) or ((e.data or {}).get("after") or {}).get("name", "")
        e.changes = _changes(e, departments)
    return render(
        request,
        "zones/rules.html",
        {
            "bureau": bureau,
            "bureaus": bureaus if len(bureaus) > 1 else [],
            "rules": rules,
            "inactive": inactive,
            "manages": manages,
            "history": history,
            "department": department,
        },
    )


class RuleForm(forms.Form):
    code = forms.CharField(label=pgettext_lazy("safety zone", "code"), max_length=32)
    name = forms.CharField(label=pgettext_lazy("safety zone", "name"), max_length=100)
    kind = forms.ChoiceField(label=pgettext_lazy("safety zone", "kind"), choices=RuleKind.choices)
    venue_types = forms.MultipleChoiceField(
        label=pgettext_lazy("safety zone", "venue types"),
        choices=VenueType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    stages = forms.MultipleChoiceField(
        label=pgettext_lazy("safety zone", "school stages"),
        choices=SchoolStage.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=pgettext_lazy("safety zone", "None chosen: every stage."),
    )
    distance_m = forms.IntegerField(label=pgettext_lazy("safety zone", "distance (m)"))
    measure_from = forms.ChoiceField(
        label=pgettext_lazy("safety zone", "measured from"), choices=MeasureFrom.choices
    )
    clause = forms.CharField(label=pgettext_lazy("safety zone", "source"), max_length=200)
    days = forms.IntegerField(label=pgettext_lazy("safety zone", "days to rectify"), initial=30)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if isinstance(field.widget, forms.CheckboxSelectMultiple):
                field.widget.attrs.setdefault("class", "form-check-input")
            elif name != "version":
                cls = "form-select" if isinstance(field, forms.ChoiceField) else "form-control"
                field.widget.attrs.setdefault("class", cls)


def _rule_data(rule: ZoneRule) -> dict:
    return {k: getattr(rule, k) for k in services.RULE_FIELDS}


def _after_rule_change(request, rule, bureau, text):
    job = jobs.start_recheck(user=request.user, bureau=bureau)
    messages.success(request, text % {"name": rule.name})
    return redirect(job)


def _save(request, form, *, bureau, rule=None):
    data = {**form.cleaned_data}
    version = data.pop("version", None)
    try:
        saved = services.save_rule(
            actor=request.user,
            bureau_id=bureau.pk,
            data=data,
            rule_id=rule.pk if rule else None,
            version=version if rule else None,
        )
    except ValidationError as exc:
        to_form(form, exc)
        return None
    return saved


@login_required
@require_http_methods(["GET", "POST"])
def rule_new(request):
    require(request.user, ZONE_MANAGE)
    bureaus = [b for b in rule_bureaus(request.user) if _manages(request.user, b)]
    bureau = _chosen_bureau(request, bureaus)
    if bureau is None:
        raise PermissionDenied(pgettext("safety zone", "You may not keep zone rules."))
    form = RuleForm(request.POST or None, initial={"days": 30, "measure_from": MeasureFrom.GATE})
    if request.method == "POST" and form.is_valid():
        rule = _save(request, form, bureau=bureau)
        if rule is not None:
            return _after_rule_change(
                request,
                rule,
                bureau,
                pgettext("safety zone", "Rule %(name)s saved; every venue is checked again."),
            )
    return render(request, "zones/rule_form.html", {"form": form, "bureau": bureau, "rule": None})


@login_required
@require_http_methods(["GET", "POST"])
def rule_edit(request, pk: int):
    rule = get_for(request.user, ZoneRule.objects.select_related("bureau"), pk, access.EDIT)
    bureau = rule.bureau
    initial = {**_rule_data(rule), "version": rule.version}
    form = RuleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        saved = _save(request, form, bureau=bureau, rule=rule)
        if saved is not None:
            return _after_rule_change(
                request,
                saved,
                bureau,
                pgettext("safety zone", "Rule %(name)s saved; every venue is checked again."),
            )
    return render(request, "zones/rule_form.html", {"form": form, "bureau": bureau, "rule": rule})


@login_required
@require_POST
def rule_active(request, pk: int):
    """Deactivate (``active=0``) or reactivate (``active=1``) a bureau's own rule."""
    rule = get_for(request.user, ZoneRule.objects.select_related("bureau"), pk, access.EDIT)
    active = request.POST.get("active") == "1"
    try:
        services.save_rule(
            actor=request.user,
            bureau_id=rule.bureau_id,
            data={**_rule_data(rule), "is_active": active},
            rule_id=rule.pk,
            version=request.POST.get("version") or None,
        )
    except ValidationError as exc:
        for msg in exc.messages:
            messages.error(request, msg)
        return redirect(f"{_rules_url()}?bureau={rule.bureau_id}")
    text = (
        pgettext("safety zone", "Rule %(name)s is applied again; every venue is checked again.")
        if active
        else pgettext(
            "safety zone", "Rule %(name)s no longer applies; every venue is checked again."
        )
    )
    return _after_rule_change(request, rule, rule.bureau, text)


def _rules_url() -> str:
    return reverse("zones:rules")


class SettingsForm(forms.Form):
    department = forms.ModelChoiceField(
        label=pgettext_lazy("safety zone", "responsible department"),
        queryset=Department.objects.none(),
        required=False,
        empty_label=pgettext_lazy("safety zone", "The legal affairs section (法制科), by default"),
    )

    def __init__(self, *args, bureau, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.filter(bureau=bureau).order_by(
            "name"
        )
        self.fields["department"].widget.attrs["class"] = "form-select"


@login_required
@require_http_methods(["GET", "POST"])
def zone_settings(request):
    require(request.user, ZONE_MANAGE)
    bureaus = [b for b in rule_bureaus(request.user) if _manages(request.user, b)]
    bureau = _chosen_bureau(request, bureaus)
    if bureau is None:
        raise PermissionDenied(pgettext("safety zone", "You may not change zone settings."))
    row = ZoneSettings.objects.filter(bureau_id=bureau.pk).first()
    form = SettingsForm(
        request.POST or None,
        bureau=bureau,
        initial={"department": row.department_id if row else None},
    )
    if request.method == "POST" and form.is_valid():
        dept = form.cleaned_data["department"]
        try:
            services.set_department(
                actor=request.user, bureau_id=bureau.pk, department_id=dept.pk if dept else None
            )
        except ValidationError as exc:
            to_form(form, exc)
        else:
            messages.success(request, pgettext("safety zone", "The zone settings are saved."))
            return redirect(f"{_rules_url()}?bureau={bureau.pk}")
    return render(
        request,
        "zones/settings.html",
        {"form": form, "bureau": bureau, "bureaus": bureaus if len(bureaus) > 1 else []},
    )


@login_required
@require_POST
def recheck(request):
    """Check every venue of the bureau again: a background job, followed on its progress page."""
    require(request.user, ZONE_MANAGE)
    bureaus = [b for b in rule_bureaus(request.user) if _manages(request.user, b)]
    bureau = _chosen_bureau(request, bureaus)
    if bureau is None:
        raise PermissionDenied(
            pgettext("safety zone", "You may not check this bureau's venues again.")
        )
    return redirect(jobs.start_recheck(user=request.user, bureau=bureau))


urlpatterns = [
    path("rules/", rule_list, name="rules"),
    path("rules/new/", rule_new, name="rule_new"),
    path("rules/<int:pk>/edit/", rule_edit, name="rule_edit"),
    path("rules/<int:pk>/active/", rule_active, name="rule_active"),
    path("rules/recheck/", recheck, name="recheck"),
    path("settings/", zone_settings, name="settings"),
]
