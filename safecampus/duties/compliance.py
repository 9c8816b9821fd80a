"""Compliance figures of recurring duties for the overseers (the centre, the leaders, the
inspectors, a department): overall, per duty, per school type, per month, the schools furthest
behind, and a schools × months matrix for one duty.

Every figure counts ``Occurrence.objects.visible_to(user)`` narrowed by one :class:`Filters`
(``selectors.compliance_queryset`` plus the oversight filters) and one status of
``selectors.STATUS_KEYS``; its link opens ``duties:occurrence_list`` with the resolved filters
(the period always as explicit ``start``/``end`` dates) and that status, and the list narrows
with the very same conditions, so a number and the count of the list it opens always agree.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django import forms
from django.db.models import Case, Count, ExpressionWrapper, F, FloatField, Q, Value, When
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

from safecampus.core.access import get_for
from safecampus.core.excel import Heading, Percent, add_table_sheet, filters_label
from safecampus.orgs.choices import SchoolStage

from . import selectors
from .choices import OccurrenceStatus, Owner, VersionStatus
from .models import Duty, Occurrence, SchoolTerm

#: the figures of a tally that link to their occurrences
FIGURE_KEYS = ("owed", "done", "late", "missed", "open", "excused")
#: schools in the "furthest behind" table of the page
BEHIND = 20
#: schools on a page of the matrix
MATRIX_PAGE = 100
#: rows of the per-school sheet of the workbook
EXPORT_CAP = 50_000
#: a rate at or above this is green in the matrix, above 0 amber, 0 red
GOOD_RATE = 1.0

PERIODS = (
    ("year", pgettext_lazy("duty oversight", "This school year")),
    ("term", pgettext_lazy("duty oversight", "This term")),
    ("month", pgettext_lazy("duty oversight", "This month")),
)
#: who owes, as the filter names them
OWNER_LABELS = {
    Owner.SCHOOL: pgettext_lazy("duty oversight", "Schools"),
    Owner.DEPARTMENT: pgettext_lazy("duty oversight", "Bureau departments"),
    Owner.PARTNER: pgettext_lazy("duty oversight", "Partner units"),
    Owner.CENTRE: pgettext_lazy("duty oversight", "The safety centre"),
}
#: an occurrence's status as the lists show it (``Occurrence.effective_status``)
STATUS_LABELS = {
    OccurrenceStatus.DUE: pgettext_lazy("duty oversight", "Open"),
    OccurrenceStatus.EXCUSE_REQUESTED: pgettext_lazy("duty oversight", "Excuse requested"),
    OccurrenceStatus.DONE: pgettext_lazy("duty oversight", "Done on time"),
    OccurrenceStatus.DONE_LATE: pgettext_lazy("duty oversight", "Done late"),
    OccurrenceStatus.EXCUSED: pgettext_lazy("duty oversight", "Excused"),
    OccurrenceStatus.MISSED: pgettext_lazy("duty oversight", "Missed"),
}
MONTH_RE = re.compile(r"^20\d\d-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class Filters:
    """Resolved oversight filters; ``params`` reproduce them in a URL."""

    start: datetime.date
    end: datetime.date
    code: str = ""
    stage: str = ""
    overseer: int | None = None
    owner: str = ""
    school: int | None = None
    bureau: int | None = None
    department: int | None = None
    status: str = ""
    #: (label, value) of each filter a person chose, for the workbook's header block
    labels: tuple = field(default=(), compare=False)

    @property
    def params(self) -> dict[str, str]:
        out = {"start": self.start.isoformat(), "end": self.end.isoformat()}
        for key in ("code", "stage", "owner"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        for key in ("overseer", "school", "bureau", "department"):
            if getattr(self, key) is not None:
                out[key] = str(getattr(self, key))
        return out

    def apply(self, qs, today: datetime.date):
        """``qs`` narrowed to the occurrences these filters count (without the status)."""
        qs = selectors.compliance_queryset(
            qs, today, start=self.start, end=self.end, code=self.code, stage=self.stage
        )
        if self.overseer is not None:
            qs = qs.filter(overseeing_department_id=self.overseer)
        if self.owner:
            qs = qs.filter(owner_kind=self.owner)
        if self.school is not None:
            qs = qs.filter(school_id=self.school)
        if self.bureau is not None:
            qs = qs.filter(bureau_id=self.bureau)
        if self.department is not None:
            qs = qs.filter(
                Q(overseeing_department_id=self.department) | Q(department_id=self.department)
            )
        if self.status:
            qs = qs.filter(selectors.status_q(self.status, today))
        return qs


def list_url(params: dict, **extra) -> str:
    """``duties:occurrence_list`` with ``params`` and ``extra`` (None values left out)."""
    query = {**params, **{k: str(v) for k, v in extra.items() if v is not None}}
    return reverse("duties:occurrence_list") + "?" + urlencode(query)


def month_range(month: str) -> tuple[datetime.date, datetime.date]:
    """ "2026-11" → (1 Nov, 30 Nov)."""
    first = datetime.date(int(month[:4]), int(month[5:7]), 1)
    return selectors.month_bounds(first)


def term_bounds(user, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The term running today, or else the last one begun, of the user's bureau(s); the school
    year when none is on record."""
    term = (
        SchoolTerm.objects.visible_to(user)
        .filter(start__lte=today)
        .order_by("-start", "-end")
        .first()
    )
    if term is None:
        return selectors.school_year_bounds(today)
    return term.start, term.end


# --- the filter form ------------------------------------------------------------------------


class ComplianceFilterForm(forms.Form):
    period = forms.ChoiceField(
        label=pgettext_lazy("duty oversight", "Period"), required=False, choices=PERIODS
    )
    month = forms.CharField(
        label=pgettext_lazy("duty oversight", "Month"),
        required=False,
        widget=forms.TextInput(attrs={"type": "month"}),
        help_text=gettext_lazy("A month instead of the period, as 2026-11."),
    )
    start = forms.DateField(required=False, widget=forms.HiddenInput)
    end = forms.DateField(required=False, widget=forms.HiddenInput)
    code = forms.ChoiceField(label=pgettext_lazy("duty oversight", "Duty"), required=False)
    stage = forms.ChoiceField(
        label=gettext_lazy("School type"),
        required=False,
        choices=[("", gettext_lazy("All"))] + SchoolStage.choices,
    )
    overseer = forms.TypedChoiceField(
        label=pgettext_lazy("duty oversight", "Overseeing department"), required=False, coerce=int
    )
    owner = forms.ChoiceField(
        label=pgettext_lazy("duty oversight", "Owed by"),
        required=False,
        choices=[("", gettext_lazy("All")), *OWNER_LABELS.items()],
    )
    school = forms.IntegerField(required=False, widget=forms.HiddenInput)
    bureau = forms.IntegerField(required=False, widget=forms.HiddenInput)
    department = forms.IntegerField(required=False, widget=forms.HiddenInput)
    status = forms.ChoiceField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.duty_names = duty_names(user)
        self.fields["code"].choices = [("", _("All"))] + [
            (c, f"{c} {n}") for c, n in self.duty_names.items()
        ]
        from safecampus.orgs.models import Department

        self.departments = {
            d.pk: d.name
            for d in Department.objects.visible_to(user).order_by("sort_order", "name", "id")
        }
        self.fields["overseer"].choices = [("", _("All"))] + list(self.departments.items())
        from safecampus.orgs.models import Bureau

        bureaus = list(Bureau.objects.visible_to(user).order_by("path").values_list("pk", "name"))
        #: a user of several bureaus chooses one (an id outside the scope is a 404, not a 400)
        self.many_bureaus = len(bureaus) > 1
        if self.many_bureaus:
            self.fields["bureau"].label = _("Bureau")
            self.fields["bureau"].widget = forms.Select(choices=[("", _("All")), *bureaus])
        self.fields["status"].choices = [("", "")] + [(k, k) for k in selectors.STATUS_KEYS]
        for fld in self.fields.values():
            if not isinstance(fld.widget, forms.HiddenInput):
                select = isinstance(fld.widget, forms.Select)
                css = "form-select form-select-sm" if select else "form-control form-control-sm"
                fld.widget.attrs["class"] = css

    def clean_month(self):
        value = (self.cleaned_data.get("month") or "").strip()
        if value and not MONTH_RE.match(value):
            raise forms.ValidationError(_("Give the month as 2026-11."))
        return value

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if (start is None) != (end is None):
            raise forms.ValidationError(_("Give both the start and the end of the period."))
        if start and end and start > end:
            raise forms.ValidationError(_("The end of the period is before its start."))
        if any(d and not 2000 <= d.year <= 2099 for d in (start, end)):
            raise forms.ValidationError(_("Give a date between 2000 and 2099."))
        return data

    def filters(self, today: datetime.date) -> Filters:
        """The resolved filters (call after ``is_valid``); an organisation filter outside the
        user's scope is a 404."""
        from safecampus.orgs.models import Bureau, Department, School

        data = self.cleaned_data if self.is_bound else {}
        if data.get("start"):
            start, end = data["start"], data["end"]
            name = ""
        elif data.get("month"):
            start, end = month_range(data["month"])
            name = data["month"]
        else:
            period = data.get("period") or "year"
            if period == "month":
                start, end = selectors.month_bounds(today)
            elif period == "term":
                start, end = term_bounds(self.user, today)
            else:
                start, end = selectors.school_year_bounds(today)
            name = str(dict(PERIODS)[period])
        span = f"{start:%Y-%m-%d} – {end:%Y-%m-%d}"
        labels = [(pgettext("duty oversight", "Period"), f"{name}（{span}）" if name else span)]
        ids = {}
        for key, model in (("school", School), ("bureau", Bureau), ("department", Department)):
            if data.get(key) is not None:
                obj = get_for(self.user, model, data[key])
                ids[key] = obj.pk
                labels.append((str(model._meta.verbose_name), str(obj)))
        if data.get("code"):
            labels.append(
                (
                    pgettext("duty oversight", "Duty"),
                    self.duty_names.get(data["code"], data["code"]),
                )
            )
        if data.get("stage"):
            labels.append((_("School type"), str(SchoolStage(data["stage"]).label)))
        if data.get("overseer") not in (None, ""):
            labels.append(
                (
                    pgettext("duty oversight", "Overseeing department"),
                    self.departments[data["overseer"]],
                )
            )
        if data.get("owner"):
            labels.append((pgettext("duty oversight", "Owed by"), str(OWNER_LABELS[data["owner"]])))
        return Filters(
            start=start,
            end=end,
            code=data.get("code") or "",
            stage=data.get("stage") or "",
            overseer=data.get("overseer") if data.get("overseer") not in (None, "") else None,
            owner=data.get("owner") or "",
            status=data.get("status") or "",
            labels=tuple(labels),
            **ids,
        )


def duty_names(user) -> dict[str, str]:
    """Code → name of the published duties and plan tasks the user sees (the newest name)."""
    rows = (
        Duty.objects.visible_to(user)
        .filter(
            Q(version__status=VersionStatus.PUBLISHED) | Q(plan__status=VersionStatus.PUBLISHED)
        )
        .order_by("sort_order", "code", "-pk")
        .values_list("code", "name")
    )
    out: dict[str, str] = {}
    for code, name in rows:
        out.setdefault(code, name)
    return out


# --- figures --------------------------------------------------------------------------------


def _row(label: str, tally: selectors.Tally, params: dict) -> dict:
    return {
        "label": label,
        "t": tally,
        "urls": {k: list_url(params, status=k) for k in FIGURE_KEYS},
    }


def _aggregates(today):
    f = {k: selectors.status_q(k, today) for k in ("done", "late", "missed", "open", "excused")}
    return {k: Count("pk", filter=q) for k, q in f.items()}


def _tally(row) -> selectors.Tally:
    return selectors.Tally(*(row[k] or 0 for k in ("done", "late", "missed", "open", "excused")))


def _behind_rows(qs, today: datetime.date):
    """``qs``'s school occurrences grouped per school, with the five counts and the rate."""
    owed = F("done") + F("late") + F("missed") + F("open")
    return (
        qs.filter(owner_kind=Owner.SCHOOL)
        .order_by()
        .values("school_id", "school__name", "school__stage")
        .annotate(**_aggregates(today))
        .annotate(
            rate=Case(
                When(Q(done=0, late=0, missed=0, open=0), then=Value(2.0)),
                default=ExpressionWrapper(
                    (F("done") + F("late")) * 1.0 / owed, output_field=FloatField()
                ),
                output_field=FloatField(),
            )
        )
        .order_by("-missed", "rate", "school__name", "school_id")
    )


def _behind_key(row) -> tuple:
    t = row[-1]
    return (-t.missed, 2.0 if t.rate is None else t.rate, row[1] or "", row[0])


def schools_behind(qs, today: datetime.date, limit: int | None) -> list[tuple]:
    """(school id, name, stage, Tally) of the schools in ``qs``, most missed first, then the
    lowest rate.

    With a ``limit``, the missed occurrences alone are counted per school first (a few percent
    of the rows, found through ``occ_status_grace``); the full counts are then taken only for
    the schools that can be among the first ``limit`` (those missing at least as many as the
    ``limit``-th), so a district reads a few thousand rows instead of a year's. When fewer than
    ``limit`` schools missed anything, the order among the others is by rate, and every school
    is counted (one grouped query)."""
    if limit is None:
        return [_behind_tuple(r, today) for r in _behind_rows(qs, today)]
    missed = list(
        qs.filter(owner_kind=Owner.SCHOOL)
        # the statuses a missed occurrence has, named so that an index by status is used
        .filter(status__in=[OccurrenceStatus.MISSED, OccurrenceStatus.DUE])
        .filter(selectors.status_q("missed", today))
        .order_by()
        .values("school_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "school_id")
        .values_list("school_id", "n")
    )
    if len(missed) < limit:
        return [_behind_tuple(r, today) for r in _behind_rows(qs, today)[:limit]]
    floor = missed[limit - 1][1]
    ids = [sid for sid, n in missed if n >= floor]
    rows = [_behind_tuple(r, today) for r in _behind_rows(qs.filter(school_id__in=ids), today)]
    return sorted(rows, key=_behind_key)[:limit]


def _behind_tuple(r, today) -> tuple:
    return (r["school_id"], r["school__name"], r["school__stage"], _tally(r))


def _figures_of(*, user, filters: Filters, today: datetime.date, live: bool = False):
    """``selectors.compliance_figures`` for ``filters``: from the summary when the scope and
    the filters allow it (bureau-wide, whole months, no owner, overseer, school, department or
    status filter), else counted live with every filter."""
    extra = {
        "overseer": filters.overseer,
        "owner": filters.owner,
        "school": filters.school,
        "department": filters.department,
        "status": filters.status,
    }
    narrow = None
    if any(v not in (None, "") for v in extra.values()):
        rest = Filters(start=filters.start, end=filters.end, **extra)

        def narrow(qs):
            return rest.apply(qs, today)

    return selectors.compliance_figures(
        user=user,
        today=today,
        start=filters.start,
        end=filters.end,
        code=filters.code or None,
        stage=filters.stage or None,
        bureau=filters.bureau,
        narrow=narrow,
        live=live,
    )


def compliance(
    *,
    user,
    filters: Filters,
    today: datetime.date,
    names: dict | None = None,
    live: bool = False,
    behind: bool = True,
) -> dict:
    """Every figure of the compliance page through ``selectors.compliance_figures`` (the
    summary for a bureau-wide scope over whole months, else one grouped count), and the schools
    furthest behind (always counted now: see ``schools_behind``); ``as_of`` is when the summary
    was counted, None when counted now; ``live`` counts everything now ("count now")."""
    params = filters.params
    names = duty_names(user) if names is None else names
    figures = _figures_of(user=user, filters=filters, today=today, live=live)
    by_month = {m: t for (m,), t in figures.by_month.items()}
    stages = dict(SchoolStage.choices)
    month_rows = []
    for m in _months(filters, today, set(by_month)):
        start, end = month_range(m)
        p = {**params, "start": max(start, filters.start), "end": min(end, filters.end)}
        p = {k: str(v) for k, v in p.items()}
        month_rows.append(_row(m, by_month.get(m, selectors.Tally()), p))
    behind_rows = []
    if behind:
        qs = filters.apply(Occurrence.objects.visible_to(user), today)
        behind_rows = [
            _row(name, t, {**params, "school": str(sid)})
            | {"stage": str(stages.get(stage, stage or ""))}
            for sid, name, stage, t in schools_behind(qs, today, BEHIND)
        ]
    return {
        "as_of": figures.as_of,
        "source": figures.source,
        "overall": _row(_("All"), figures.total, params),
        "by_code": [
            _row(f"{code} {names.get(code, '')}".strip(), t, {**params, "code": code})
            for (code,), t in sorted(figures.by_code.items())
        ],
        "by_stage": [
            _row(str(stages.get(stage, stage)), t, {**params, "stage": stage})
            for (stage,), t in sorted(figures.by_stage.items(), key=lambda kv: kv[0][0] or "")
            if stage
        ],
        "by_month": month_rows,
        "behind": behind_rows,
        "chart": [
            {
                "month": r["label"],
                "rate": None if r["t"].rate is None else round(r["t"].rate * 100, 1),
                "url": r["urls"]["owed"],
            }
            for r in month_rows
        ],
    }


def matrix(*, user, filters: Filters, today: datetime.date, page_number=None) -> dict:
    """Schools × months of one duty (``filters.code``), a page of ``MATRIX_PAGE`` schools by
    name: each cell completed / owed, its colour and the link to its occurrences, and each
    school's total over the period. Three queries (the count, the page, the cells)."""
    from django.core.paginator import Paginator

    qs = filters.apply(Occurrence.objects.visible_to(user), today).filter(owner_kind=Owner.SCHOOL)
    schools = (
        qs.order_by("school__name", "school_id").values_list("school_id", "school__name").distinct()
    )
    page = Paginator(schools, MATRIX_PAGE).get_page(page_number)
    page.object_list = list(page.object_list)
    ids = [sid for sid, _name in page.object_list]
    cells = selectors.month_tallies(qs.filter(school_id__in=ids), today, ("school_id",))
    months = _months(filters, today, {k[-1] for k in cells})
    rows = []
    for sid, name in page.object_list:
        row, total = [], selectors.Tally()
        for m in months:
            t = cells.get((sid, m))
            if t is None:
                row.append(None)
                continue
            total.add(t)
            start, end = month_range(m)
            p = {
                **filters.params,
                "school": str(sid),
                "start": max(start, filters.start).isoformat(),
                "end": min(end, filters.end).isoformat(),
            }
            row.append({"t": t, "tone": _tone(t), "url": list_url(p, status="owed")})
        school_params = {**filters.params, "school": str(sid)}
        rows.append(
            {
                "school": name,
                "school_id": sid,
                "cells": row,
                "total": total,
                "total_url": list_url(school_params, status="owed"),
                "missed_url": list_url(school_params, status="missed"),
            }
        )
    return {"months": months, "rows": rows, "page": page}


def _months(filters: Filters, today: datetime.date, with_data: set) -> list[str]:
    """The months of the period up to this one, and later ones that hold an occurrence whose
    window has opened (a quarter's window ends after today)."""
    now = f"{today:%Y-%m}"
    return [
        m
        for m in selectors.months_between(filters.start, filters.end)
        if m <= now or m in with_data
    ]


def _tone(t: selectors.Tally) -> str:
    if t.rate is None:
        return "secondary"
    if t.rate >= GOOD_RATE:
        return "success"
    if t.rate > 0:
        return "warning"
    # nothing done yet: red only once something is overdue, blue while the window is still open
    return "danger" if t.missed else "info"


def period_figures(qs, today: datetime.date, periods: dict[str, tuple]) -> dict[str, dict]:
    """For each named period (start, end): owed, completed (done on time or late), missed, open
    (still in time) and the rate of ``qs``'s occurrences counted in it, in one query (the
    dashboards)."""
    aggs = {}
    for name, (start, end) in periods.items():
        span = Q(window_start__lte=today, window_end__gte=start, window_end__lte=end)
        for key in ("owed", "completed", "missed", "open"):
            aggs[f"{name}__{key}"] = Count("pk", filter=span & selectors.status_q(key, today))
    row = qs.order_by().aggregate(**aggs)
    out = {}
    for name in periods:
        owed, completed = row[f"{name}__owed"] or 0, row[f"{name}__completed"] or 0
        out[name] = {
            "owed": owed,
            "completed": completed,
            "missed": row[f"{name}__missed"] or 0,
            "open": row[f"{name}__open"] or 0,
            "rate": round(100 * completed / owed, 1) if owed else None,
        }
    return out


# --- the workbook ---------------------------------------------------------------------------

#: the workbook's title and file name part ("闵行区教育局_常态化工作落实情况_…_2026-11-18.xlsx")
WORKBOOK_TITLE = "常态化工作落实情况"


def _figures(t: selectors.Tally) -> list:
    return [
        t.owed,
        t.done,
        t.late,
        t.missed,
        t.open,
        t.excused,
        None if t.rate is None else Percent(t.rate),
    ]


def compliance_workbook(
    *, user, filters: Filters, today: datetime.date, now, scope: str, live: bool = False
) -> bytes:
    """The compliance figures: overall, per school type and per month; per duty; per school
    (every school, most missed first). Numbers as numbers, rates as percentages, each sheet
    headed by the scope, the filters and the time of the figures (the summary's "as of" for
    the first two sheets when they come from it; the per-school sheet is counted now)."""
    import io

    from openpyxl import Workbook

    data = compliance(user=user, filters=filters, today=today, live=live, behind=False)
    as_of = data["as_of"] or now
    qs = filters.apply(Occurrence.objects.visible_to(user), today)
    stages = dict(SchoolStage.choices)
    heads = [
        pgettext("duty oversight", "Owed"),
        pgettext("duty oversight", "Done on time"),
        pgettext("duty oversight", "Done late"),
        pgettext("duty oversight", "Missed"),
        pgettext("duty oversight", "Open"),
        pgettext("duty oversight", "Excused"),
        pgettext("duty oversight", "Completion rate"),
    ]
    filters_text = filters_label(filters.labels)

    def heading(title, at=as_of):
        return Heading(f"{WORKBOOK_TITLE}（{title}）", scope=scope, filters=filters_text, as_of=at)

    wb = Workbook()
    wb.remove(wb.active)
    summary = [[_("All"), *_figures(data["overall"]["t"])]]
    summary += [[r["label"], *_figures(r["t"])] for r in data["by_stage"]]
    summary += [[r["label"], *_figures(r["t"])] for r in data["by_month"]]
    add_table_sheet(
        wb,
        pgettext("duty oversight", "Summary"),
        ["", *heads],
        summary,
        heading=heading(pgettext("duty oversight", "Summary")),
    )
    add_table_sheet(
        wb,
        pgettext("duty oversight", "By duty"),
        [pgettext("duty oversight", "Duty"), *heads],
        [[r["label"], *_figures(r["t"])] for r in data["by_code"]],
        [40],
        heading=heading(pgettext("duty oversight", "By duty")),
    )
    add_table_sheet(
        wb,
        _("By school"),
        [_("School"), _("School type"), *heads],
        [
            [name, str(stages.get(stage, stage or "")), *_figures(t)]
            for _sid, name, stage, t in schools_behind(qs, today, limit=EXPORT_CAP)
        ],
        [36, 16],
        heading=heading(_("By school"), now),
    )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def live_wanted(user, value) -> bool:
    """``live=1``: count now rather than read the summary, for a scope where that is cheap."""
    from . import access

    return value == "1" and access.live_count_cheap(user)


def export_workbook(*, user, form: ComplianceFilterForm, filters: Filters, today, live: bool):
    """The compliance workbook of the figures ``form`` / ``filters`` select, for the page and
    the API alike: ``(content, name)``, the name in Chinese after the reader's scope, the duty
    (a workbook of one duty says which), the period and the day."""
    from django.utils import timezone

    from safecampus.core.excel import file_name, scope_label

    now = timezone.localtime()
    scope = scope_label(user)
    content = compliance_workbook(
        user=user, filters=filters, today=today, now=now, scope=scope, live=live
    )
    duty = form.duty_names.get(filters.code, "") if filters.code else ""
    name = file_name(
        scope, WORKBOOK_TITLE, duty, f"{filters.start:%Y%m%d}-{filters.end:%Y%m%d}", today
    )
    return content, name
