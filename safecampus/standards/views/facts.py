"""Pages of security standards: a school's 人防物防技防 card, its facts form, verification, the
facts' history (and the sheet as of a past date), evidence, and the Excel import of facts.

Every page reaches its school through ``access.school_facts_q`` (the scope of facts and cards:
the school's staff, the bureau's officers, a partner unit only when granted): another school is
a 404, a role that may read but not act a 403.
"""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from safecampus.core.access import VIEW, can, require, scope_for
from safecampus.core.capabilities import (
    STANDARDS_FACTS_EDIT,
    STANDARDS_FACTS_HISTORY,
    STANDARDS_VIEW,
)
from safecampus.core.excel import XLSX_CONTENT_TYPE, upload_problem
from safecampus.core.forms import id_param
from safecampus.core.jobs import job_start
from safecampus.core.refusals import errors_of
from safecampus.core.roles import Role
from safecampus.hazards.evidence import serve_evidence
from safecampus.orgs.models import School

from .. import access, imports, selectors, services
from ..choices import FactsAction, FactsStatus, FindingStatus, Four100, Outcome
from ..facts import BOOL, DATE, GATE_FACT, GATE_FACTS, INT, SCHOOL_FACT, SCHOOL_FACTS
from ..models import FactsRevision, Finding, SecurityFacts

PAGE_SIZE = 50
#: the longest gate name kept (``GateFacts.name``)
GATE_NAME_MAX = 32


# --- reaching a school ----------------------------------------------------------------------


def _schools(user, action: str = VIEW):
    scope = scope_for(user)
    if scope.is_empty:
        return School.objects.none()
    q = access.school_facts_q(scope, action)
    return School.objects.none() if q is None else School.objects.filter(q).distinct()


def _school(user, school_id: int) -> School:
    """The school whose card ``user`` reads (404 otherwise, as if it did not exist)."""
    require(user, STANDARDS_VIEW)
    school = _schools(user).filter(pk=school_id).select_related("bureau").first()
    if school is None:
        raise Http404
    return school


def _may(user, school) -> dict:
    scope = scope_for(user)
    return {
        "may_edit": access.can_edit_facts(scope, school),
        "may_verify": access.can_verify_facts(scope, school),
        "may_history": can(user, STANDARDS_FACTS_HISTORY),
    }


# --- entry point and card --------------------------------------------------------------------


@login_required
def my_card(request):
    """A school user's way in: their school's card, or the list of schools they read."""
    require(request.user, STANDARDS_VIEW)
    schools = _schools(request.user).order_by("name", "pk")
    first = list(schools[:2])
    if len(first) == 1:
        return redirect("standards:card", school_id=first[0].pk)
    page = Paginator(schools.only("pk", "name", "code", "stage"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "standards/facts/my.html",
        {"page": page, "may_import": can(request.user, STANDARDS_FACTS_EDIT)},
    )


@login_required
def card(request, school_id: int):
    """The school's 人防物防技防 card."""
    school = _school(request.user, school_id)
    data = selectors.card(school)
    facts = (
        SecurityFacts.objects.filter(school=school)
        .select_related("updated_by", "verified_by")
        .first()
    )
    counts = dict.fromkeys(Outcome.values, 0)
    for _pillar, _label, lines in data["pillars"]:
        for line in lines:
            counts[line.outcome] = counts.get(line.outcome, 0) + 1
    four = [
        (Four100(part).label, data["four100"][part], part in data["four100_unset"])
        for part in Four100.values
    ]
    return render(
        request,
        "standards/facts/card.html",
        {
            "school": school,
            "card": data,
            "facts": facts,
            "counts": counts,
            "four": four,
            "Outcome": Outcome,
            "FactsStatus": FactsStatus,
            **_may(request.user, school),
        },
    )


# --- the facts form --------------------------------------------------------------------------


def _field(fact, name: str, value, errors) -> dict:
    if isinstance(value, datetime.date):
        value = value.isoformat()
    return {
        "fact": fact,
        "name": name,
        "label": fact.label,
        "unit": fact.unit,
        "type": fact.type,
        "value": "" if value is None else value,
        "errors": errors.get(name, []),
    }


BOOL_CHOICES = (
    ("", gettext_lazy("Unknown")),
    ("yes", gettext_lazy("Yes")),
    ("no", gettext_lazy("No")),
)


def _bool_text(value) -> str:
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return value if isinstance(value, str) else ""


#: facts about a chemistry lab and about dormitories, asked only of a school that has them
LAB_FACTS = frozenset({"lab_security_door", "lab_safe", "video_lab", "lab_intrusion"})
DORM_FACTS = frozenset({"dorm_managers", "video_dorm"})
#: help under a gate fact
GATE_HELP = {
    "guards_peak": gettext_lazy(
        "All guards on duty at this gate at pick-up and drop-off peaks (the total, not only the "
        "extra ones)."
    ),
}


def _hidden_facts(school) -> frozenset[str]:
    """The facts the form does not ask of ``school`` (no chemistry lab; not a boarding school);
    their stored values are left as they are."""
    hidden = set()
    if not school.has_chem_lab:
        hidden |= LAB_FACTS
    if not school.boarding:
        hidden |= DORM_FACTS
    return frozenset(hidden)


def _hidden_note(school) -> str:
    reasons = []
    if not school.has_chem_lab:
        reasons.append(_("the school has no chemistry lab"))
    if not school.boarding:
        reasons.append(_("the school is not a boarding school"))
    if not reasons:
        return ""
    return _("Some items are not asked: %(reasons)s, so they do not apply.") % {
        "reasons": _("; ").join(reasons)
    }


def _sheet(school, facts, gates, errors, posted=None) -> dict:
    """The form's fields by pillar and its gate rows, from the stored facts or the posted
    values."""

    def current(name, stored):
        if posted is not None:
            return posted.get(name, "")
        return stored

    pillars = []
    for pillar, label in (
        ("people", _("People (人防)")),
        ("physical", _("Physical (物防)")),
        ("technical", _("Technical (技防)")),
    ):
        fields = []
        hidden = _hidden_facts(school)
        for fact in SCHOOL_FACTS:
            if fact.pillar != pillar or fact.name in hidden:
                continue
            value = current(fact.name, getattr(facts, fact.name))
            if fact.type == BOOL:
                value = _bool_text(value)
            fields.append(_field(fact, fact.name, value, errors))
        pillars.append({"pillar": pillar, "label": label, "fields": fields})
    rows = []
    for gate in gates:
        prefix = f"gate{gate.position}"
        cells = []
        for fact in GATE_FACTS:
            name = f"{prefix}.{fact.name}"
            value = current(name, getattr(gate, fact.name))
            if fact.type == BOOL:
                value = _bool_text(value)
            cells.append({**_field(fact, name, value, errors), "help": GATE_HELP.get(fact.name)})
        rows.append(
            {
                "position": gate.position,
                "name_field": f"{prefix}.name",
                "name": current(f"{prefix}.name", gate.name),
                "name_errors": errors.get(f"{prefix}.name", []),
                "cells": cells,
            }
        )
    return {"pillars": pillars, "gates": rows}


def _posted(post, school) -> tuple[dict, list[dict]]:
    """The school facts and gate facts of a posted form, as the service takes them."""

    def value(fact, raw):
        raw = (raw or "").strip()
        if fact.type == BOOL:
            return {"yes": True, "no": False, "": None}.get(raw, raw)
        return raw or None

    hidden = _hidden_facts(school)
    values = {f.name: value(f, post.get(f.name)) for f in SCHOOL_FACTS if f.name not in hidden}
    gates = []
    for n in range(1, (school.gate_count or 0) + 1):
        gate = {f.name: value(f, post.get(f"gate{n}.{f.name}")) for f in GATE_FACTS}
        gate["name"] = (post.get(f"gate{n}.name") or "").strip()
        gates.append(gate)
    return values, gates


def _open_keys(school) -> set[str]:
    return set(
        Finding.objects.filter(school=school, status=FindingStatus.OPEN).values_list(
            "key", flat=True
        )
    )


@login_required
@require_http_methods(["GET", "POST"])
def facts_edit(request, school_id: int):
    """The school's facts, grouped 人防 / 物防 / 技防, and one row per gate."""
    school = _school(request.user, school_id)
    require(request.user, STANDARDS_FACTS_EDIT)
    if not access.can_edit_facts(scope_for(request.user), school):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(_("You may not change this school's security facts."))
    facts, gates = services.facts_for(school)
    errors: dict[str, list[str]] = {}
    non_field: list[str] = []
    posted = None
    version = facts.version
    comment = ""
    if request.method == "POST":
        posted = request.POST
        comment = (request.POST.get("comment") or "").strip()[:300]
        values, gate_values = _posted(request.POST, school)
        parsed = id_param(request.POST.get("version"))
        version = -1 if parsed is None else parsed  # not a version: refused as stale
        for n, gate in enumerate(gate_values, start=1):
            if len(gate["name"]) > GATE_NAME_MAX:
                errors[f"gate{n}.name"] = [
                    _("The gate's name is at most %(n)d characters.") % {"n": GATE_NAME_MAX}
                ]
        before = _open_keys(school)
        try:
            if errors:
                raise ValidationError(errors)
            services.update_facts(
                actor=request.user,
                school_id=school.pk,
                values=values,
                gates=gate_values,
                version=version,
                comment=comment,
                files=request.FILES.getlist("files"),
            )
        except ValidationError as exc:
            for name, msgs in errors_of(exc).items():
                if name in SCHOOL_FACT or name.split(".", 1)[-1] in {*GATE_FACT, "name"}:
                    errors[name] = msgs
                else:
                    non_field.extend(msgs)
        else:
            after = _open_keys(school)
            opened, resolved = len(after - before), len(before - after)
            messages.success(
                request,
                _("Facts saved. Findings opened: %(o)d; resolved: %(r)d.")
                % {"o": opened, "r": resolved},
            )
            return redirect("standards:card", school_id=school.pk)
    return render(
        request,
        "standards/facts/edit.html",
        {
            "school": school,
            "facts": facts,
            "sheet": _sheet(school, facts, gates, errors, posted),
            "version": version if posted is None else request.POST.get("version", ""),
            "comment": comment,
            "hidden_note": _hidden_note(school),
            "non_field_errors": non_field,
            "has_errors": bool(errors or non_field),
            "bool_choices": BOOL_CHOICES,
            "INT": INT,
            "BOOL": BOOL,
            "DATE": DATE,
        },
        status=400 if (errors or non_field) else 200,
    )


# --- verification ----------------------------------------------------------------------------


@login_required
@require_POST
def facts_verify(request, school_id: int):
    """A department or the centre verifies the facts as they stand, or returns them."""
    school = _school(request.user, school_id)
    if not access.can_verify_facts(scope_for(request.user), school):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(_("You may not verify this school's facts."))
    approve = request.POST.get("decision") != "return"
    version = id_param(request.POST.get("version"))
    if version is None:
        messages.error(request, _("The page is out of date; reload it and try again."))
        return redirect("standards:card", school_id=school.pk)
    try:
        services.verify_facts(
            actor=request.user,
            school_id=school.pk,
            approve=approve,
            reason=request.POST.get("reason", ""),
            version=version,
        )
    except ValidationError as exc:
        for msgs in errors_of(exc).values():
            for m in msgs:
                messages.error(request, m)
    else:
        messages.success(
            request,
            _("The facts are verified.") if approve else _("The facts are returned to the school."),
        )
    return redirect("standards:card", school_id=school.pk)


# --- history ---------------------------------------------------------------------------------


def change_label(name: str) -> str:
    """``guards_night`` → its label; ``gate2.guards_day`` → "2号门 白天保安员"."""
    if name.startswith("gate") and "." in name:
        gate, fact = name.split(".", 1)
        number = gate[4:]
        fact_label = _("Gate name") if fact == "name" else str(GATE_FACT[fact].label)
        return _("Gate %(n)s: %(fact)s") % {"n": number, "fact": fact_label}
    fact = SCHOOL_FACT.get(name)
    return str(fact.label) if fact else name


def _shown(value) -> str:
    if value is True:
        return _("Yes")
    if value is False:
        return _("No")
    if value is None or value == "":
        return "—"
    return str(value)


def _as_of_sheet(revision) -> dict:
    school = revision.data.get("school", {})
    return {
        "facts": [(f.label, _shown(school.get(f.name)), f.unit) for f in SCHOOL_FACTS],
        "gates": [
            {
                "name": g.get("name") or g.get("position"),
                "cells": [(f.label, _shown(g.get(f.name))) for f in GATE_FACTS],
            }
            for g in revision.data.get("gates", [])
        ],
    }


def _role_label(role: str) -> str:
    """The role named on a revision; an action stored in its place (an import) is named by the
    revision's action already, so it names none."""
    if role in Role.values:
        return str(Role(role).label)
    return "" if role in FactsAction.values else role


def _actor_label(rev) -> str:
    """Who made a revision: the person, or for an import without one, the Excel import."""
    if rev.actor_id:
        return rev.actor.display_name
    if rev.action == FactsAction.IMPORT:
        return _("Excel import")
    return "—"


@login_required
def facts_history(request, school_id: int):
    """Every change of the school's facts, and the sheet as of a date (not for a partner unit,
    which reads the card only)."""
    school = _school(request.user, school_id)
    require(request.user, STANDARDS_FACTS_HISTORY)
    revisions = (
        FactsRevision.objects.visible_to(request.user)
        .filter(school=school)
        .select_related("actor")
        .prefetch_related("evidence")
        .order_by("-number")
    )
    page = Paginator(revisions, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "rev": rev,
            "role": _role_label(rev.actor_role),
            "actor": _actor_label(rev),
            "changes": [
                (change_label(k), _shown(v[0]), _shown(v[1])) for k, v in rev.changes.items()
            ],
        }
        for rev in page
    ]
    as_of = None
    as_of_error = ""
    day_text = (request.GET.get("as_of") or "").strip()
    if day_text:
        try:
            day = datetime.date.fromisoformat(day_text)
        except ValueError:
            as_of_error = _("Enter a date as YYYY-MM-DD.")
        else:
            revision = services.facts_as_of(school, day)
            as_of = {
                "day": day,
                "revision": revision,
                "sheet": _as_of_sheet(revision) if revision else None,
            }
    return render(
        request,
        "standards/facts/history.html",
        {
            "school": school,
            "page": page,
            "rows": rows,
            "as_of": as_of,
            "as_of_text": day_text,
            "as_of_error": as_of_error,
            "today": timezone.localdate(),
        },
        status=400 if as_of_error else 200,
    )


@login_required
def facts_evidence(request, pk: int):
    """An evidence file of a revision ``user`` sees (404 otherwise)."""
    ev = selectors.facts_evidence(request.user, pk)
    return serve_evidence(ev, thumbnail=bool(request.GET.get("thumb")) and bool(ev.thumbnail))


# --- the Excel import ------------------------------------------------------------------------


class FactsImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Excel workbook (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx", "class": "form-control"}),
    )

    def clean_file(self):
        f = self.cleaned_data["file"]
        if f.size > 20 * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than 20 MB."))
        if problem := upload_problem(f):
            raise forms.ValidationError(problem)
        return f


@login_required
def facts_template(request):
    """The workbook to fill in: one row per school the user keeps the facts of."""
    require(request.user, STANDARDS_FACTS_EDIT)
    return FileResponse(
        imports.template_bytes(request.user),
        as_attachment=True,
        filename=imports.template_name(),
        content_type=XLSX_CONTENT_TYPE,
    )


@login_required
@require_http_methods(["GET", "POST"])
def facts_import(request):
    """Facts from a workbook, all or nothing, in a background job."""
    require(request.user, STANDARDS_FACTS_EDIT)
    form = FactsImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        job = job_start(
            kind=imports.JOB_KIND,
            title=_("Import of security facts: %(name)s") % {"name": upload.name},
            user=request.user,
            params={"name": upload.name},
            input_file=upload,
        )
        return redirect(job)
    return render(
        request,
        "standards/facts/import.html",
        {"form": form, "template_url": reverse("standards:facts_template")},
        status=400 if form.errors else 200,
    )


__all__ = ["FactsAction", "urlpatterns"]

urlpatterns = [
    path("my/", my_card, name="my_card"),
    path("schools/<int:school_id>/", card, name="card"),
    path("schools/<int:school_id>/facts/", facts_edit, name="facts_edit"),
    path("schools/<int:school_id>/verify/", facts_verify, name="facts_verify"),
    path("schools/<int:school_id>/history/", facts_history, name="facts_history"),
    path("facts/evidence/<int:pk>/", facts_evidence, name="facts_evidence"),
    path("facts/template/", facts_template, name="facts_template"),
    path("facts/import/", facts_import, name="facts_import"),
]
