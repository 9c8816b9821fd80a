"""The annual work plan (003 and its 任务分解表): built from the template, edited as a draft,
published (frozen), then tracked like duties.

Each task is a :class:`Duty` with ``plan`` set, its quarter, category ``task`` and the rule
``once <quarter start>..<deadline>`` (the deadline is the quarter's last day unless the
bureau sets an earlier one). Once the plan is published its tasks' occurrences are generated
like any duty's: here at publication for the windows already open (or opening within
``services.GENERATE_AHEAD_DAYS``), and by the daily job (``services.generate``) after.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from safecampus.audit.services import audit_record
from safecampus.core.access import get_for
from safecampus.core.db import in_write_transaction
from safecampus.core.refusals import Code, refuse

from . import rules, selectors, services
from . import workplan_template as template
from .choices import DutyCategory, VersionStatus
from .models import Duty, Occurrence, WorkPlan

MIN_YEAR, MAX_YEAR = 2000, 2100


def quarter_bounds(year: int, quarter: int) -> tuple[datetime.date, datetime.date]:
    start = datetime.date(year, 3 * (quarter - 1) + 1, 1)
    nxt = datetime.date(year + 1, 1, 1) if quarter == 4 else datetime.date(year, 3 * quarter + 1, 1)
    return start, nxt - datetime.timedelta(days=1)


def once_rule(start: datetime.date, end: datetime.date) -> str:
    return f"once {start.isoformat()}..{end.isoformat()}"


def plan_title(bureau, year: int) -> str:
    return f"{year}年教育系统安全工作主要任务分解表"


@dataclass
class PlanResult:
    plan: WorkPlan
    #: a line in Chinese for each unit named that no department or school of the bureau is
    warnings: list[str] = field(default_factory=list)


def _resolve(row: template.Row, departments: dict) -> tuple[dict, list, list[str]]:
    """(duty fields, departments, warnings) of one template row in a bureau."""
    owners = template.owners(row.responsible)
    linked, warnings = [], []
    for candidates in owners.departments:
        found = next((departments[n] for n in candidates if n in departments), None)
        if found is None:
            warnings.append(
                _("Row %(n)d: this bureau has no department named %(name)s")
                % {"n": row.number, "name": candidates[-1]}
            )
        elif found not in linked:
            linked.append(found)
    for unit in owners.unmapped:
        warnings.append(
            _("Row %(n)d: “%(unit)s” names no school or department; the text is kept")
            % {"n": row.number, "unit": unit}
        )
    centre = owners.centre
    if not (centre or linked or owners.schools):
        centre = True
        warnings.append(
            _("Row %(n)d: none of the units named is in this bureau; the safety centre owes it")
            % {"n": row.number}
        )
    fields = {
        "owed_by_centre": centre,
        "owed_by_schools": owners.schools,
        "stages": owners.stages,
    }
    return fields, linked, warnings


def plan_from_template(*, actor, bureau, year: int) -> PlanResult:
    """A draft plan of ``bureau`` for ``year`` holding the template's 41 tasks, their owners
    resolved in the bureau (``actor`` None: the system, as the demo)."""
    from safecampus.orgs.models import Department

    if actor is not None:
        services._manage(actor, bureau.pk)
    try:
        year = int(year)
    except (TypeError, ValueError):
        year = 0
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise refuse(
            {"year": [_("Give a year between %(a)d and %(b)d.") % {"a": MIN_YEAR, "b": MAX_YEAR}]},
            Code.INVALID,
        )
    if WorkPlan.objects.filter(bureau=bureau, year=year).exists():
        raise refuse(
            {"year": [_("This bureau already has a plan for %(year)d.") % {"year": year}]},
            Code.DUPLICATE,
        )
    departments = {d.name: d for d in Department.objects.filter(bureau=bureau)}

    def write() -> PlanResult:
        plan = WorkPlan.objects.create(
            bureau=bureau, year=year, title=plan_title(bureau, year), created_by=actor
        )
        warnings: list[str] = []
        tasks, owers = [], []
        for row in template.ROWS:
            fields, linked, row_warnings = _resolve(row, departments)
            warnings += row_warnings
            start, end = quarter_bounds(year, row.quarter)
            tasks.append(
                Duty(
                    plan=plan,
                    bureau=bureau,
                    code=f"WP{year}-{row.number:02d}",
                    name=template.task_text(row, year),
                    category=DutyCategory.TASK,
                    frequency=once_rule(start, end),
                    in_vacation=True,
                    quarter=row.quarter,
                    sort_order=row.number,
                    responsible_text=row.responsible,
                    source=f"{template.SOURCE} §附件 第{row.number}项",
                    **fields,
                )
            )
            owers.append(linked)
        created = Duty.objects.bulk_create(tasks)
        through = Duty.owed_by_departments.through
        through.objects.bulk_create(
            [
                through(duty_id=t.pk, department_id=d.pk)
                for t, ds in zip(created, owers, strict=True)
                for d in ds
            ]
        )
        audit_record(
            action="duties.plan_create",
            actor=actor,
            actor_username="" if actor else "system",
            target=plan,
            bureau_id=bureau.pk,
            data={"year": year, "tasks": len(created), "warnings": warnings},
        )
        return PlanResult(plan, warnings)

    return in_write_transaction(write)


def task_save(*, actor, task_id: int, data: dict) -> Duty:
    """Change a task of a draft plan. ``data``: name, quarter (1–4), deadline (a date in the
    quarter or later in the plan's year; default the quarter's last day), responsible_text,
    owed_by_schools, stages, owed_by_centre, departments (of the plan's bureau)."""
    task = get_for(actor, Duty, task_id, "edit")
    plan = task.plan
    if plan is None:
        from django.http import Http404

        raise Http404
    if not plan.is_draft:
        raise refuse(pgettext("work plan", "A published plan is frozen."), Code.PUBLISHED_FROZEN)
    errors: dict[str, list[str]] = {}
    name = (data.get("name") or "").strip()
    if not name:
        errors["name"] = [pgettext("work plan", "Give the task.")]
    quarter = data.get("quarter")
    try:
        quarter = int(quarter)
    except (TypeError, ValueError):
        quarter = 0
    if quarter not in (1, 2, 3, 4):
        errors["quarter"] = [pgettext("work plan", "Choose a quarter.")]
        start = end = None
    else:
        start, end = quarter_bounds(plan.year, quarter)
        deadline = data.get("deadline") or end
        if not isinstance(deadline, datetime.date) or not (
            start <= deadline <= datetime.date(plan.year, 12, 31)
        ):
            errors["deadline"] = [
                _("The deadline must lie between %(start)s and %(end)s.")
                % {"start": f"{start:%Y-%m-%d}", "end": f"{plan.year}-12-31"}
            ]
        else:
            end = deadline
    departments = list(data.get("departments") or [])
    if any(d.bureau_id != plan.bureau_id for d in departments):
        errors["departments"] = [_("Choose departments of this bureau.")]
    owed_by_schools = bool(data.get("owed_by_schools"))
    owed_by_centre = bool(data.get("owed_by_centre"))
    if not (owed_by_schools or owed_by_centre or departments):
        errors.setdefault("__all__", []).append(
            _("Say who owes the task: schools, the safety centre or a department.")
        )
    if errors:
        raise refuse(errors, Code.INVALID)

    def write() -> Duty:
        task.name = name[:200]
        task.quarter = quarter
        task.frequency = once_rule(start, end)
        task.responsible_text = (data.get("responsible_text") or "").strip()[:200]
        task.owed_by_schools = owed_by_schools
        task.stages = list(data.get("stages") or []) if owed_by_schools else []
        task.owed_by_centre = owed_by_centre
        task.save()
        task.owed_by_departments.set(departments)
        audit_record(
            action="duties.task_save",
            actor=actor,
            target=task,
            bureau_id=plan.bureau_id,
            data={"code": task.code, "frequency": task.frequency},
        )
        return task

    return in_write_transaction(write)


def plan_publish(*, actor, plan_id: int, now: datetime.datetime | None = None) -> WorkPlan:
    """Publish a draft plan: it is frozen and its tasks are owed from now on; the occurrences
    whose windows are open (or open within the generation horizon) are generated at once."""
    plan = get_for(actor, WorkPlan, plan_id, "edit")
    if not plan.is_draft:
        raise refuse(_("Only a draft plan is published."), Code.INVALID_TRANSITION)
    tasks = plan.tasks.all()
    if not tasks.exists():
        raise refuse(pgettext("work plan", "The plan holds no task."), Code.EMPTY)
    problems = services.duty_problems(tasks)
    if problems:
        raise refuse({"tasks": problems}, Code.INVALID)
    now = now or timezone.now()

    def write() -> WorkPlan:
        plan.status = VersionStatus.PUBLISHED
        plan.published_at = now
        plan.published_by = actor
        plan.save(update_fields=["status", "published_at", "published_by"])
        audit_record(
            action="duties.plan_publish",
            actor=actor,
            actor_username="" if actor else "system",
            target=plan,
            bureau_id=plan.bureau_id,
            data={"year": plan.year},
        )
        return plan

    in_write_transaction(write)
    plan_generate(plan, today=timezone.localtime(now).date())
    return plan


def plan_generate(
    plan: WorkPlan, *, today: datetime.date, ahead: int = services.GENERATE_AHEAD_DAYS
) -> int:
    """Generate the occurrences of a published plan's tasks whose window opens by
    ``today + ahead``, as the daily job does for the whole bureau. Idempotent."""
    if plan.is_draft:
        return 0
    year_start = datetime.date(plan.year, 1, 1)
    tasks = plan.tasks.prefetch_related("owed_by_departments")
    # the plan's tasks are owed from the start of its year, whenever it was published
    return services.generate(
        plan.bureau,
        today=today,
        since=year_start,
        ahead=ahead,
        duties=[(task, year_start) for task in tasks],
    )


# --- reads ----------------------------------------------------------------------------------


@dataclass
class TaskRow:
    task: Duty
    tally: selectors.Tally | None = None


@dataclass
class QuarterBlock:
    quarter: int
    rows: list[TaskRow]
    tally: selectors.Tally | None = None


QUARTER_NAMES = {1: "第一季度", 2: "第二季度", 3: "第三季度", 4: "第四季度"}


def plan_table(*, user, plan: WorkPlan, today: datetime.date) -> list[QuarterBlock]:
    """The plan's tasks by quarter; for a published plan, each task's and each quarter's
    progress over the occurrences ``user`` sees (owed = those whose window has opened)."""
    tasks = list(plan.tasks.prefetch_related("owed_by_departments").order_by("sort_order", "pk"))
    by_task: dict = {}
    by_quarter: dict = {}
    if not plan.is_draft:
        qs = selectors.compliance_queryset(
            Occurrence.objects.visible_to(user).filter(duty__plan=plan), today
        )
        by_task = selectors.tallies(qs, today, ("duty_id",))
        by_quarter = selectors.tallies(qs, today, ("duty__quarter",))
    blocks = []
    for quarter in (1, 2, 3, 4):
        rows = [
            TaskRow(t, by_task.get((t.pk,), selectors.Tally()) if not plan.is_draft else None)
            for t in tasks
            if t.quarter == quarter
        ]
        tally = by_quarter.get((quarter,), selectors.Tally()) if not plan.is_draft else None
        blocks.append(QuarterBlock(quarter, rows, tally))
    extra = [TaskRow(t) for t in tasks if t.quarter not in (1, 2, 3, 4)]
    if extra:
        blocks.append(QuarterBlock(0, extra))
    return blocks


def deadline_of(task: Duty) -> datetime.date | None:
    try:
        return task.rule.end
    except rules.RuleError:
        return None


__all__ = [
    "PlanResult",
    "plan_from_template",
    "plan_generate",
    "plan_publish",
    "plan_table",
    "quarter_bounds",
    "task_save",
]
