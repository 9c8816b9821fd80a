"""Pages of rule sets and the bureau's policy (DOMAIN.md §8).

- The list: every rule set the user may see (the shipped ones and the bureau's own), which the
  user's bureau applies and how; the centre creates an own set that may extend another.
- A set's page: the rules of one version by pillar (with the rules inherited from the set it
  extends), its versions; for an own set the draft is edited rule by rule and published.
- The what-if preview of a draft: per requirement, schools failing now and after publishing.
  It runs in the request for up to ``PREVIEW_SYNC_LIMIT`` schools, otherwise as a background job
  (``standards.preview``) whose result the same page renders.
- The policy: the sets applied in order, how they combine, the partner units granted the cards.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Max, Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from safecampus.catalog import citations
from safecampus.catalog.choices import HazardLevel
from safecampus.core.access import can, get_for, require, scope_for
from safecampus.core.capabilities import STANDARDS_MANAGE
from safecampus.core.forms import id_param
from safecampus.core.jobs import job_start
from safecampus.core.models import Job
from safecampus.core.refusals import errors_of, to_form
from safecampus.orgs.models import Bureau, PartnerUnit, School

from .. import access, engine, services
from ..choices import Four100, Pillar, PolicyMode, RuleKind, VersionStatus
from ..facts import RULE_FACTS
from ..models import PolicyRuleSet, Rule, RuleSet, RuleSetVersion, SchoolStanding, StandardsPolicy

#: a preview over at most this many schools runs in the request; above, as a background job
PREVIEW_SYNC_LIMIT = 2000
PREVIEW_KIND = "standards.preview"
EVALUATE_KIND = "standards.evaluate"


def _manages(user, bureau_id) -> bool:
    return (
        bureau_id is not None
        and can(user, STANDARDS_MANAGE)
        and bureau_id in access.manage_bureaus(scope_for(user))
    )


def _editable_ids(user, ids) -> set[int]:
    """Those of the rule sets ``ids`` that ``user`` edits (who alone sees their drafts)."""
    return set(
        RuleSet.objects.restrict(user, access.EDIT)
        .filter(pk__in=list(ids))
        .values_list("pk", flat=True)
    )


def _reader_bureaus(user) -> list[Bureau]:
    """The bureaus whose policy ``user`` reads (its officers)."""
    ids = access.policy_reader_bureaus(scope_for(user))
    return list(Bureau.objects.filter(pk__in=ids).order_by("path"))


def _policies(user) -> list[StandardsPolicy]:
    return list(
        StandardsPolicy.objects.visible_to(user)
        .select_related("bureau")
        .prefetch_related(
            Prefetch("entries", queryset=PolicyRuleSet.objects.select_related("rule_set"))
        )
        .order_by("bureau__path")
    )


def _job_link(job) -> str:
    return format_html('<a href="{}">{}</a>', job.get_absolute_url(), job.title)


def _evaluation_jobs_message(request, since_pk: int, text: str) -> None:
    jobs = list(
        Job.objects.filter(pk__gt=since_pk, kind=EVALUATE_KIND, created_by=request.user).order_by(
            "pk"
        )
    )
    if jobs:
        links = format_html_join("、", "{}", ((_job_link(j),) for j in jobs))
        messages.success(
            request, format_html("{} {}{}", text, _("The schools are checked again:"), links)
        )
    else:
        messages.success(request, text)


def _last_job_pk() -> int:
    return Job.objects.aggregate(m=Max("pk"))["m"] or 0


# --- the list -----------------------------------------------------------------------------------


class RuleSetForm(forms.Form):
    code = forms.SlugField(label=gettext_lazy("code"), max_length=32)
    name = forms.CharField(label=gettext_lazy("name"), max_length=100)
    region_name = forms.CharField(label=gettext_lazy("region"), max_length=64, required=False)
    extends = forms.ModelChoiceField(
        label=gettext_lazy("extends"), queryset=RuleSet.objects.none(), required=False
    )
    description = forms.CharField(
        label=pgettext_lazy("rule set", "description"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["extends"].queryset = RuleSet.objects.visible_to(user)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control")


@login_required
@require_GET
def ruleset_list(request):
    rule_sets = list(
        RuleSet.objects.visible_to(request.user)
        .select_related("extends", "bureau")
        .prefetch_related("versions")
        .order_by("bureau_id", "code")
    )
    editable = _editable_ids(request.user, [rs.pk for rs in rule_sets])
    for rs in rule_sets:
        versions = list(rs.versions.all())
        rs.published_version = next(
            (v for v in versions if v.status == VersionStatus.PUBLISHED), None
        )
        rs.draft_version = (
            next((v for v in versions if v.status == VersionStatus.DRAFT), None)
            if rs.pk in editable
            else None
        )
    policies = _policies(request.user)
    applied = {}
    for policy in policies:
        for i, entry in enumerate(policy.entries.all(), start=1):
            applied.setdefault(entry.rule_set_id, []).append((policy, i))
    for rs in rule_sets:
        rs.applied = applied.get(rs.pk, [])
    managed = [b for b in _reader_bureaus(request.user) if _manages(request.user, b.pk)]
    return render(
        request,
        "standards/rulesets/list.html",
        {
            "rule_sets": rule_sets,
            "policies": policies,
            "managed": managed,
            "form": RuleSetForm(user=request.user) if managed else None,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def ruleset_create(request):
    require(request.user, STANDARDS_MANAGE)
    managed = [b for b in _reader_bureaus(request.user) if _manages(request.user, b.pk)]
    if not managed:
        raise PermissionDenied(_("You may not keep rule sets of this bureau."))
    bureau = managed[0]
    if bureau_id := id_param(request.POST.get("bureau") or request.GET.get("bureau")):
        bureau = next((b for b in managed if b.pk == bureau_id), None)
        if bureau is None:
            raise Http404
    form = RuleSetForm(request.POST or None, user=request.user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                rule_set = services.create_rule_set(
                    actor=request.user,
                    bureau=bureau,
                    code=data["code"],
                    name=data["name"],
                    extends=data["extends"],
                    region_name=data["region_name"],
                    description=data["description"],
                )
            except ValidationError as exc:
                to_form(form, exc)
            else:
                messages.success(request, _("Rule set created with an empty draft."))
                return redirect("standards:ruleset_detail", pk=rule_set.pk)
        status = 400
    return render(
        request,
        "standards/rulesets/create.html",
        {"form": form, "bureau": bureau, "managed": managed},
        status=status,
    )


# --- one rule set -------------------------------------------------------------------------------


def _rows(rule_set, version):
    """The rules of ``version`` and those inherited from the sets ``rule_set`` extends, grouped
    by pillar: ``[(pillar, label, [{"rule", "inherited", "set"}])]``."""
    own = list(version.rules.all()) if version is not None else []
    own_keys = {r.key for r in own}
    inherited = []
    if rule_set.extends_id:
        parent_rules, _versions = engine.resolved(rule_set.extends)
        wanted = {c.id: c for k, c in parent_rules.items() if k not in own_keys}
        inherited = [(r, wanted[r.pk].set_name) for r in Rule.objects.filter(pk__in=list(wanted))]
    rows = [{"rule": r, "inherited": False, "set": rule_set.name} for r in own]
    rows += [{"rule": r, "inherited": True, "set": name} for r, name in inherited]
    rows.sort(key=lambda row: (row["rule"].sort_order, row["rule"].key))
    return [
        (p, label, [row for row in rows if row["rule"].pillar == p]) for p, label in Pillar.choices
    ]


@login_required
@require_GET
def ruleset_detail(request, pk: int):
    rule_set = get_for(request.user, RuleSet.objects.select_related("extends", "bureau"), pk)
    versions = list(rule_set.versions.select_related("published_by", "created_by"))
    if rule_set.pk not in _editable_ids(request.user, [rule_set.pk]):
        versions = [v for v in versions if v.frozen]  # a draft: only for those who edit the set
    version = None
    if wanted := id_param(request.GET.get("version")):
        version = next((v for v in versions if v.pk == wanted), None)
        if version is None:
            raise Http404
    else:
        version = next((v for v in versions if v.status == VersionStatus.PUBLISHED), None) or next(
            iter(versions), None
        )
    draft = next((v for v in versions if v.status == VersionStatus.DRAFT), None)
    manage = _manages(request.user, rule_set.bureau_id)
    return render(
        request,
        "standards/rulesets/detail.html",
        {
            "rule_set": rule_set,
            "version": version,
            "versions": versions,
            "draft": draft,
            "pillars": _rows(rule_set, version),
            "can_manage": manage,
            "can_edit": manage and version is not None and not version.frozen,
        },
    )


@login_required
@require_POST
def ruleset_draft(request, pk: int):
    rule_set = get_for(request.user, RuleSet, pk, access.EDIT)
    draft = services.draft_of(actor=request.user, rule_set_id=rule_set.pk)
    messages.success(request, _("Draft v%(n)s is open for changes.") % {"n": draft.number})
    return redirect(f"{reverse('standards:ruleset_detail', args=[rule_set.pk])}?version={draft.pk}")


def _version_url(version) -> str:
    return f"{reverse('standards:ruleset_detail', args=[version.rule_set_id])}?version={version.pk}"


@login_required
@require_POST
def ruleset_publish(request, version_id: int):
    version = get_for(
        request.user, RuleSetVersion.objects.select_related("rule_set"), version_id, access.EDIT
    )
    since = _last_job_pk()
    try:
        services.publish(
            actor=request.user, version_id=version.pk, note=request.POST.get("note", "")
        )
    except ValidationError as exc:
        messages.error(request, _("The draft was not published:"))
        for field, msgs in errors_of(exc).items():
            for message in msgs:
                messages.error(
                    request,
                    f"{field}: {message}"
                    if field not in ("__all__", "non_field_errors")
                    else message,
                )
    else:
        _evaluation_jobs_message(
            request,
            since,
            _("Version %(n)s published; it will never change.") % {"n": version.number},
        )
    return redirect(_version_url(version))


# --- rules of a draft ---------------------------------------------------------------------------


def _choices(choices, blank=False):
    return ([("", "—")] if blank else []) + list(choices)


class RuleForm(forms.Form):
    """The fields of one rule; the service checks them (expressions with their positions)."""

    key = forms.CharField(label=gettext_lazy("requirement"), max_length=48, required=False)
    title = forms.CharField(label=gettext_lazy("title"), max_length=120, required=False)
    pillar = forms.ChoiceField(label=gettext_lazy("pillar"), choices=Pillar.choices)
    kind = forms.ChoiceField(label=gettext_lazy("kind"), choices=RuleKind.choices)
    applies = forms.CharField(label=gettext_lazy("applies when"), max_length=300, required=False)
    measure = forms.CharField(
        label=pgettext_lazy("rule", "measure"), max_length=300, required=False
    )
    threshold = forms.CharField(
        label=gettext_lazy("required value"), max_length=300, required=False
    )
    condition = forms.CharField(label=gettext_lazy("condition"), max_length=500, required=False)
    clause = forms.CharField(label=gettext_lazy("clause"), max_length=200, required=False)
    explanation = forms.CharField(label=gettext_lazy("explanation"), max_length=300, required=False)
    note = forms.CharField(label=pgettext_lazy("rule", "note"), max_length=300, required=False)
    level = forms.ChoiceField(
        label=gettext_lazy("default hazard level"), choices=HazardLevel.choices
    )
    item_code = forms.CharField(label=gettext_lazy("check item"), max_length=16, required=False)
    four100 = forms.ChoiceField(
        label=gettext_lazy("counts toward 4个100%"),
        choices=_choices(Four100.choices, blank=True),
        required=False,
    )
    sort_order = forms.IntegerField(
        label=gettext_lazy("order"), min_value=0, max_value=32767, required=False
    )

    EXPRESSIONS = ("applies", "measure", "threshold", "condition")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            css = "form-select" if isinstance(field, forms.ChoiceField) else "form-control"
            if name in self.EXPRESSIONS:
                css += " font-monospace"
            field.widget.attrs.setdefault("class", css)


def _inherited_initial(rule_set, key: str) -> dict:
    """The fields of the inherited rule ``key`` (to override it), or just the key."""
    if not key or not rule_set.extends_id:
        return {"key": key}
    inherited = engine.resolved(rule_set.extends)[0].get(key)
    if inherited is None:
        return {"key": key}
    return {f: getattr(inherited, f) for f in services.RULE_FIELDS if hasattr(inherited, f)}


def _rule_form(request, version, rule=None):
    if version.frozen:
        messages.error(request, _("A published version is frozen; change its draft."))
        return redirect(_version_url(version))
    if rule is not None:
        initial = {f: getattr(rule, f) for f in services.RULE_FIELDS}
    else:
        initial = _inherited_initial(version.rule_set, request.GET.get("key", "")[:48])
    if initial.get("clause"):
        # a seed citation is shown (and saved) as the document's title and clause
        initial["clause"] = citations.render(initial["clause"])
    form = RuleForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = dict(form.cleaned_data)
            data["sort_order"] = data.get("sort_order") or 0
            try:
                saved = services.save_rule(
                    actor=request.user,
                    version_id=version.pk,
                    data=data,
                    rule_id=rule.pk if rule is not None else None,
                )
            except ValidationError as exc:
                to_form(form, exc)
            else:
                messages.success(
                    request,
                    _("Saved %(key)s %(title)s.") % {"key": saved.key, "title": saved.title},
                )
                return redirect(_version_url(version))
        status = 400
    facts = sorted(RULE_FACTS.values(), key=lambda f: f.name)
    return render(
        request,
        "standards/rulesets/rule_form.html",
        {"form": form, "version": version, "rule": rule, "facts": facts},
        status=status,
    )


def _draft_version(request, version_id):
    return get_for(
        request.user, RuleSetVersion.objects.select_related("rule_set"), version_id, access.EDIT
    )


def _rule(request, pk):
    rule = (
        Rule.objects.filter(version__in=RuleSetVersion.objects.visible_to(request.user))
        .filter(pk=pk)
        .first()
    )
    if rule is None:
        raise Http404
    return rule, _draft_version(request, rule.version_id)


@login_required
@require_http_methods(["GET", "POST"])
def rule_new(request, version_id: int):
    return _rule_form(request, _draft_version(request, version_id))


@login_required
@require_http_methods(["GET", "POST"])
def rule_edit(request, pk: int):
    rule, version = _rule(request, pk)
    return _rule_form(request, version, rule)


@login_required
@require_POST
def rule_delete(request, pk: int):
    rule, version = _rule(request, pk)
    try:
        services.delete_rule(actor=request.user, version_id=version.pk, rule_id=rule.pk)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Removed %(key)s from the draft.") % {"key": rule.key})
    return redirect(_version_url(version))


# --- the what-if preview ------------------------------------------------------------------------


def _preview_bureaus(user, version) -> list[int]:
    return services.bureaus_applying(version.rule_set) or sorted(
        access.manage_bureaus(scope_for(user))
    )


def preview_sentences(result: dict) -> dict:
    """The preview with one sentence per changed requirement."""
    for row in result.get("rows", []):
        change = row.get("change", 0)
        values = {
            "title": row.get("title") or row["key"],
            "n": abs(change),
            "before": row["before"],
            "after": row["after"],
        }
        if change > 0:
            row["sentence"] = (
                _("%(title)s: %(n)s more schools would fail (%(before)s now, %(after)s after).")
                % values
            )
        elif change < 0:
            row["sentence"] = (
                _("%(title)s: %(n)s fewer schools would fail (%(before)s now, %(after)s after).")
                % values
            )
        else:
            row["sentence"] = ""
    result["changed"] = [r for r in result.get("rows", []) if r.get("change")]
    result["fails_all"] = [r for r in result.get("rows", []) if r.get("fails_all")]
    return result


def preview_job(*, job, progress) -> dict:
    """The handler of ``standards.preview``: the preview as the job's result."""
    version_id = job.params["version"]
    progress(0, 1, force=True)
    result = services.preview(actor=job.created_by, version_id=version_id)
    progress(1, 1, force=True)
    result["version"] = version_id
    result["url"] = reverse("standards:ruleset_preview", args=[version_id]) + f"?job={job.pk}"
    return result


@login_required
@require_http_methods(["GET", "POST"])
def ruleset_preview(request, version_id: int):
    version = get_for(
        request.user, RuleSetVersion.objects.select_related("rule_set"), version_id, access.EDIT
    )
    bureau_ids = _preview_bureaus(request.user, version)
    n_schools = School.objects.filter(bureau_id__in=bureau_ids, is_active=True).count()
    result, job = None, None
    if job_id := id_param(request.GET.get("job")):
        job = get_for(request.user, Job, job_id)
        if job.kind != PREVIEW_KIND or job.params.get("version") != version.pk:
            raise Http404
        if job.status == Job.Status.SUCCEEDED:
            result = preview_sentences(dict(job.result))
    elif request.method == "POST":
        job = job_start(
            kind=PREVIEW_KIND,
            title=_("What-if preview of %(version)s") % {"version": version},
            user=request.user,
            params={"version": version.pk},
        )
        return redirect(job)
    elif n_schools <= PREVIEW_SYNC_LIMIT:
        result = preview_sentences(services.preview(actor=request.user, version_id=version.pk))
    # the viewer's bureau does not apply the set yet: previewed as if it were listed first
    not_applied = bool(
        result
        and set(result.get("not_applied") or ())
        & set(access.manage_bureaus(scope_for(request.user)))
    )
    return render(
        request,
        "standards/rulesets/preview.html",
        {
            "version": version,
            "rule_set": version.rule_set,
            "result": result,
            "not_applied": not_applied,
            "job": job,
            "n_schools": n_schools,
            "limit": PREVIEW_SYNC_LIMIT,
            "bureaus": Bureau.objects.filter(pk__in=bureau_ids).order_by("path"),
        },
    )


# --- the policy ---------------------------------------------------------------------------------


def _stricter_example(bureau) -> dict | None:
    """One requirement that more than one applied set has, its rules, and the rule that won at
    one school (from the school's card)."""
    effective = engine.effective_rules(bureau.pk)
    key, candidates = next(
        ((k, c) for k, c in effective.keys.items() if len(c) > 1 and c[0].kind != RuleKind.CHECK),
        (None, None),
    )
    if key is None:
        return None
    standing = (
        SchoolStanding.objects.filter(bureau=bureau, **{f"results__{key}__isnull": False})
        .select_related("school")
        .order_by("school__name")
        .first()
    )
    won = standing.results.get(key) if standing else None
    names = {c.set_code: c.set_name for c in candidates}
    return {
        "key": key,
        "title": candidates[0].title,
        "kind": candidates[0].kind,
        "candidates": candidates,
        "school": standing.school if standing and won and won.get("set") else None,
        "won_set": names.get(won.get("set"), won.get("set")) if won else None,
        "won_required": won.get("req") if won else None,
    }


def _positions(posted: dict[int, str]) -> tuple[dict[int, int], dict]:
    """The order numbers of the applied sets: whole numbers from 1, none twice (an empty one
    goes last). Returns them and the refusal (``positions_ids``: the sets to mark)."""
    positions: dict[int, int] = {}
    bad: list[int] = []
    for pk, text in posted.items():
        if not text:
            continue
        if not text.isdigit() or int(text) < 1:
            bad.append(pk)
        else:
            positions[pk] = int(text)
    messages_: list[str] = []
    if bad:
        messages_.append(_("Enter each order number as a whole number from 1."))
    numbers = list(positions.values())
    twice = {pk for pk, n in positions.items() if numbers.count(n) > 1}
    if twice:
        messages_.append(_("Two applied rule sets have the same order number."))
        bad += sorted(twice)
    if not messages_:
        return positions, {}
    return positions, {"positions": messages_, "positions_ids": bad}


@login_required
@require_http_methods(["GET", "POST"])
def policy(request):
    bureaus = _reader_bureaus(request.user)
    if not bureaus:
        raise PermissionDenied(_("Your roles do not reach this page."))
    bureau = bureaus[0]
    if bureau_id := id_param(request.POST.get("bureau") or request.GET.get("bureau")):
        bureau = next((b for b in bureaus if b.pk == bureau_id), None)
        if bureau is None:
            raise Http404
    manage = _manages(request.user, bureau.pk)
    current = (
        StandardsPolicy.objects.filter(bureau=bureau)
        .prefetch_related("entries", "granted_partners")
        .first()
    )
    order = [e.rule_set_id for e in current.entries.all()] if current else []
    granted = {p.pk for p in current.granted_partners.all()} if current else set()
    mode = current.mode if current else PolicyMode.STRICTER
    errors: dict = {}
    shown: dict = {}
    if request.method == "POST":
        if not manage:
            raise PermissionDenied(_("You may not change this bureau's standards."))
        chosen = [i for i in (id_param(v) for v in request.POST.getlist("apply")) if i]
        posted = {i: (request.POST.get(f"position_{i}") or "").strip() for i in chosen}
        positions, errors = _positions(posted)
        chosen.sort(key=lambda i: (positions.get(i) or 999, i))
        partners = [i for i in (id_param(v) for v in request.POST.getlist("partners")) if i]
        since = _last_job_pk()
        try:
            if errors:  # refused here, before anything is saved
                raise ValidationError(errors["positions"])
            services.set_policy(
                actor=request.user,
                bureau=bureau,
                mode=request.POST.get("mode", ""),
                rule_set_ids=chosen,
                partner_ids=partners,
            )
        except ValidationError as exc:
            errors = errors or errors_of(exc)
            order, granted, mode = chosen, set(partners), request.POST.get("mode", "")
            shown = posted
        else:
            _evaluation_jobs_message(request, since, _("The policy was saved."))
            return redirect(f"{reverse('standards:policy')}?bureau={bureau.pk}")
    sets = {rs.pk: rs for rs in RuleSet.objects.visible_to(request.user).select_related("extends")}
    published = set(
        RuleSetVersion.objects.filter(
            rule_set_id__in=list(sets), status=VersionStatus.PUBLISHED
        ).values_list("rule_set_id", flat=True)
    )
    bad = set(errors.get("positions_ids", ()))
    rows = [
        (sets[i], shown.get(i, n), i not in published, i in bad)
        for n, i in enumerate(order, start=1)
        if i in sets
    ]
    rows += [
        (rs, None, pk not in published, False)
        for pk, rs in sorted(sets.items(), key=lambda kv: kv[1].code)
        if pk not in order
    ]
    errors.pop("positions_ids", None)
    return render(
        request,
        "standards/rulesets/policy.html",
        {
            "bureau": bureau,
            "bureaus": bureaus,
            "policy": current,
            "rows": rows,
            "mode": mode,
            "modes": PolicyMode.choices,
            "partners": [
                (p, p.pk in granted)
                for p in PartnerUnit.objects.filter(bureau=bureau).order_by("name")
            ],
            "can_edit": manage,
            "errors": errors,
            "example": _stricter_example(bureau) if current else None,
        },
        status=400 if errors else 200,
    )


urlpatterns = [
    path("rulesets/", ruleset_list, name="ruleset_list"),
    path("rulesets/new/", ruleset_create, name="ruleset_create"),
    path("rulesets/<int:pk>/", ruleset_detail, name="ruleset_detail"),
    path("rulesets/<int:pk>/draft/", ruleset_draft, name="ruleset_draft"),
    path("rulesets/versions/<int:version_id>/publish/", ruleset_publish, name="ruleset_publish"),
    path("rulesets/versions/<int:version_id>/preview/", ruleset_preview, name="ruleset_preview"),
    path("rulesets/versions/<int:version_id>/rules/new/", rule_new, name="rule_new"),
    path("rulesets/rules/<int:pk>/edit/", rule_edit, name="rule_edit"),
    path("rulesets/rules/<int:pk>/delete/", rule_delete, name="rule_delete"),
    path("policy/", policy, name="policy"),
]
