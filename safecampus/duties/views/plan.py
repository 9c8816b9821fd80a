"""Pages of the annual work plan (年度安全工作要点任务分解表, 003): the list, a plan by quarter
with its progress once published, a new plan from the template, editing a task of a draft,
publishing, and the table as a Word 公文 and an Excel workbook in the table's layout.

Read with ``DUTY_VIEW`` (the plan's bureau and its members); changed with ``DUTY_MANAGE``."""

from __future__ import annotations

import io

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from safecampus.core import documents, excel
from safecampus.core.access import get_for, require, scope_for
from safecampus.core.capabilities import DUTY_MANAGE, DUTY_VIEW
from safecampus.core.refusals import to_form
from safecampus.orgs.choices import SchoolStage
from safecampus.orgs.models import Bureau, Department

from .. import access, workplan
from ..models import Duty, WorkPlan

# --- forms ----------------------------------------------------------------------------------


def _dress(form: forms.Form) -> None:
    for f in form.fields.values():
        w = f.widget
        if isinstance(w, forms.CheckboxSelectMultiple | forms.RadioSelect | forms.HiddenInput):
            continue
        if isinstance(w, forms.CheckboxInput):
            w.attrs.setdefault("class", "form-check-input")
        elif isinstance(w, forms.Select):
            w.attrs.setdefault("class", "form-select")
        else:
            w.attrs.setdefault("class", "form-control")


class PlanNewForm(forms.Form):
    bureau = forms.ModelChoiceField(label=gettext_lazy("Bureau"), queryset=Bureau.objects.none())
    year = forms.IntegerField(
        label=gettext_lazy("Year"), min_value=workplan.MIN_YEAR, max_value=workplan.MAX_YEAR
    )

    def __init__(self, *args, bureau_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bureau"].queryset = Bureau.objects.filter(pk__in=bureau_ids).order_by("pk")
        if len(bureau_ids) == 1:
            self.fields["bureau"].initial = next(iter(bureau_ids))
        _dress(self)


class TaskForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("work plan", "Main task"), max_length=200)
    quarter = forms.TypedChoiceField(
        label=pgettext_lazy("work plan", "Quarter"),
        coerce=int,
        choices=[(q, n) for q, n in workplan.QUARTER_NAMES.items()],
    )
    deadline = forms.DateField(
        label=pgettext_lazy("work plan", "Deadline"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("Empty: the last day of the quarter."),
    )
    responsible_text = forms.CharField(
        label=pgettext_lazy("work plan", "Responsible units"), max_length=200, required=False
    )
    owed_by_schools = forms.BooleanField(
        label=pgettext_lazy("work plan", "Owed by schools"), required=False
    )
    stages = forms.MultipleChoiceField(
        label=pgettext_lazy("work plan", "Stages"),
        choices=SchoolStage.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("None ticked: schools of every stage."),
    )
    owed_by_centre = forms.BooleanField(
        label=pgettext_lazy("work plan", "Owed by the safety centre"), required=False
    )
    departments = forms.ModelMultipleChoiceField(
        label=pgettext_lazy("work plan", "Owed by departments"),
        queryset=Department.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, bureau_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["departments"].queryset = Department.objects.filter(
            bureau_id=bureau_id
        ).order_by("sort_order", "name")
        _dress(self)


# --- helpers --------------------------------------------------------------------------------


def _manage_bureaus(user) -> frozenset[int]:
    return access.manage_bureaus(scope_for(user))


def _may_edit(user, plan: WorkPlan) -> bool:
    return plan.bureau_id in _manage_bureaus(user)


def _download(content: bytes, name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = excel.attachment(name)
    return response


def _owners_text(task: Duty) -> str:
    """Who owes a task in the product's terms (for the page; the table prints the seed's text)."""
    parts = []
    if task.owed_by_centre:
        parts.append(pgettext("work plan", "the safety centre"))
    parts += [d.name for d in task.owed_by_departments.all()]
    if task.owed_by_schools:
        parts.append("、".join(task.stage_labels) if task.stages else _("all schools"))
    return "、".join(parts) or "—"


# --- pages ----------------------------------------------------------------------------------


@login_required
def plan_list(request):
    require(request.user, DUTY_VIEW)
    plans = list(WorkPlan.objects.visible_to(request.user).select_related("bureau"))
    return render(
        request,
        "duties/plan/plan_list.html",
        {"plans": plans, "can_manage": bool(_manage_bureaus(request.user))},
    )


def _detail_context(request, plan: WorkPlan) -> dict:
    today = timezone.localdate()
    blocks = workplan.plan_table(user=request.user, plan=plan, today=today)
    for block in blocks:
        block.name = workplan.QUARTER_NAMES.get(block.quarter, _("Other"))
        for row in block.rows:
            row.owners = _owners_text(row.task)
            row.deadline = workplan.deadline_of(row.task)
    return {
        "plan": plan,
        "blocks": blocks,
        "can_edit": _may_edit(request.user, plan),
        "today": today,
    }


@login_required
def plan_detail(request, pk: int):
    require(request.user, DUTY_VIEW)
    plan = get_for(request.user, WorkPlan.objects.select_related("bureau"), pk)
    return render(request, "duties/plan/plan_detail.html", _detail_context(request, plan))


@login_required
@require_http_methods(["GET", "POST"])
def plan_new(request):
    require(request.user, DUTY_MANAGE)
    bureau_ids = _manage_bureaus(request.user)
    if not bureau_ids:
        raise PermissionDenied(_("Only the safety centre keeps the work plan."))
    form = PlanNewForm(
        request.POST or None,
        bureau_ids=bureau_ids,
        initial={"year": timezone.localdate().year},
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                result = workplan.plan_from_template(
                    actor=request.user,
                    bureau=form.cleaned_data["bureau"],
                    year=form.cleaned_data["year"],
                )
            except ValidationError as exc:
                to_form(form, exc)
            else:
                messages.success(
                    request,
                    _("Draft plan created with %(n)d tasks from the template.")
                    % {"n": result.plan.tasks.count()},
                )
                for warning in result.warnings:
                    messages.warning(request, warning)
                return redirect(result.plan)
        status = 400
    return render(request, "duties/plan/plan_new.html", {"form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def task_edit(request, pk: int):
    require(request.user, DUTY_MANAGE)
    task = get_for(request.user, Duty.objects.select_related("plan"), pk, "edit")
    plan = task.plan
    if plan is None:
        raise Http404
    if not plan.is_draft:
        messages.error(request, pgettext("work plan", "A published plan is frozen."))
        return redirect(plan)
    initial = {
        "name": task.name,
        "quarter": task.quarter,
        "deadline": workplan.deadline_of(task),
        "responsible_text": task.responsible_text,
        "owed_by_schools": task.owed_by_schools,
        "stages": task.stages,
        "owed_by_centre": task.owed_by_centre,
        "departments": list(task.owed_by_departments.all()),
    }
    form = TaskForm(request.POST or None, initial=initial, bureau_id=plan.bureau_id)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                workplan.task_save(actor=request.user, task_id=task.pk, data=form.cleaned_data)
            except ValidationError as exc:
                to_form(form, exc)
            else:
                messages.success(request, pgettext("work plan", "Task saved."))
                return redirect(plan)
        status = 400
    return render(
        request,
        "duties/plan/task_edit.html",
        {"form": form, "task": task, "plan": plan},
        status=status,
    )


@login_required
@require_POST
def plan_publish(request, pk: int):
    require(request.user, DUTY_MANAGE)
    plan = get_for(request.user, WorkPlan, pk, "edit")
    try:
        workplan.plan_publish(actor=request.user, plan_id=plan.pk)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        context = _detail_context(request, plan)
        return render(request, "duties/plan/plan_detail.html", context, status=400)
    messages.success(request, _("The plan is published: its tasks are now owed and tracked."))
    return redirect(plan)


# --- documents ------------------------------------------------------------------------------

HEADERS = ["序号", "时间", "主要工作任务", "责任单位"]


def _table_rows(plan: WorkPlan) -> list[list]:
    rows = []
    last_quarter = None
    for n, task in enumerate(plan.tasks.order_by("sort_order", "pk"), start=1):
        quarter = workplan.QUARTER_NAMES.get(task.quarter, "")
        rows.append(
            [n, quarter if quarter != last_quarter else "", task.name, task.responsible_text]
        )
        last_quarter = quarter
    return rows


@login_required
def plan_docx(request, pk: int):
    require(request.user, DUTY_VIEW)
    plan = get_for(request.user, WorkPlan.objects.select_related("bureau"), pk)
    issuer = documents.issuer_of(plan.bureau)
    doc = documents.Document(
        bureau=plan.bureau,
        title=f"{issuer}关于印发《{plan.year}年教育系统安全工作要点》任务分解表的通知",
        subtitle="" if not plan.is_draft else "（草稿）",
        addressee="局系统各单位",
    )
    doc.para(
        f"现将《{plan.year}年教育系统安全工作主要任务分解表》印发给你们，请结合本单位工作实际，"
        "强化落实安全主体责任，按时间节点认真贯彻执行。"
    )
    doc.signature(
        timezone.localtime(plan.published_at).date() if plan.published_at else timezone.localdate()
    )
    doc.table(
        HEADERS,
        _table_rows(plan),
        caption=f"{plan.year}年教育系统安全工作主要任务分解表",
        widths=[1, 1.6, 6, 3.4],
    )
    name = documents.file_name(issuer, f"{plan.year}年安全工作任务分解表", ext="docx")
    return _download(doc.bytes(), name, documents.DOCX_CONTENT_TYPE)


@login_required
def plan_xlsx(request, pk: int):
    require(request.user, DUTY_VIEW)
    plan = get_for(request.user, WorkPlan.objects.select_related("bureau"), pk)
    issuer = documents.issuer_of(plan.bureau)
    title = f"{plan.year}年教育系统安全工作主要任务分解表"
    columns = [
        excel.Column("序号", width=6),
        excel.Column("时间", width=10),
        excel.Column("主要工作任务", width=50),
        excel.Column("责任单位", width=36),
    ]
    buf = io.BytesIO()
    excel.write_workbook(
        buf,
        title=title,
        columns=columns,
        rows=_table_rows(plan),
        heading=excel.Heading(
            title,
            scope=issuer,
            notes=[] if not plan.is_draft else ["草稿，尚未印发"],
        ),
    )
    name = excel.file_name(issuer, f"{plan.year}年安全工作任务分解表")
    return _download(
        buf.getvalue(),
        name,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


urlpatterns: list = [
    path("plans/", plan_list, name="plan_list"),
    path("plans/new/", plan_new, name="plan_new"),
    path("plans/<int:pk>/", plan_detail, name="plan_detail"),
    path("plans/<int:pk>/publish/", plan_publish, name="plan_publish"),
    path("plans/<int:pk>/docx/", plan_docx, name="plan_docx"),
    path("plans/<int:pk>/xlsx/", plan_xlsx, name="plan_xlsx"),
    path("plans/tasks/<int:pk>/edit/", task_edit, name="task_edit"),
]
