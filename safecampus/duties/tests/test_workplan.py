"""The annual work plan: the template reproduces the 41 rows of 003's task table, the owners of
each row in a bureau, a draft edited and published, its tasks generated and tallied by quarter."""

import datetime
import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from safecampus.core.roles import Role
from safecampus.duties import workplan
from safecampus.duties import workplan_template as template
from safecampus.duties.models import Duty, Occurrence, WorkPlan
from safecampus.orgs.models import Department


def _seed_003() -> str | None:
    candidates = [os.environ.get("SAFECAMPUS_SEEDS", "")] + [
        str(base / "shared" / "seeds") for base in settings.BASE_DIR.parents[:2]
    ]
    for candidate in candidates:
        path = Path(candidate or "/nonexistent", "003_f300bb9461ec7c5d.txt")
        if candidate and path.is_file():
            return path.read_text(encoding="utf-8")
    return None


def test_the_template_reproduces_the_41_rows_of_the_seed():
    text = _seed_003()
    if text is None:
        pytest.skip("the seed documents are not here (set SAFECAMPUS_SEEDS)")
    lines = [line.split("\t") for line in text.splitlines() if re.match(r"^\d+\t", line)]
    assert len(lines) == len(template.ROWS) == 41
    quarters = {"第一季度": 1, "第二季度": 2, "第三季度": 3, "第": 4, "四季度": 4}
    quarter = None
    for (number, q, task, responsible), row in zip(lines, template.ROWS, strict=True):
        quarter = quarters[q] if q else quarter
        assert (row.number, row.quarter, row.task, row.responsible) == (
            int(number),
            quarter,
            task,
            responsible,
        )
    assert [sum(r.quarter == q for r in template.ROWS) for q in (1, 2, 3, 4)] == [12, 9, 11, 9]


@pytest.mark.parametrize(
    ("text", "departments", "centre", "schools", "stages", "unmapped"),
    [
        ("局安办、中小幼、其他单位", [["局安办"]], False, True, [], ["其他单位"]),
        ("德育科、督导安全中心、使用校车学校", [["德育科"]], True, False, [], ["使用校车学校"]),
        ("德育科、中小学", [["德育科"]], False, True, template.PRIMARY_SECONDARY, []),
        ("局安办、小学、幼儿园", [["局安办"]], False, True, ["primary", "kindergarten"], []),
        (
            "局安办、中学、一贯制学校及其他单位",
            [["局安办"]],
            False,
            True,
            ["junior", "senior", "nine_year", "twelve_year", "complete_secondary"],
            ["其他单位"],
        ),
        (
            "宣传科、基教科(信息化科)、督导安全中心、中小幼",
            [["宣传科"], ["信息化科", "基教科"]],
            True,
            True,
            [],
            [],
        ),
        ("督导安全中心、全系统基层单位", [], True, True, [], []),
        ("局安办、各基层单位", [["局安办"]], False, True, [], []),
    ],
)
def test_owners_of_a_responsible_text(text, departments, centre, schools, stages, unmapped):
    owners = template.owners(text)
    assert owners.departments == departments
    assert (owners.centre, owners.schools, owners.stages, owners.unmapped) == (
        centre,
        schools,
        stages,
        unmapped,
    )


def test_every_unit_of_the_template_is_known():
    known = (
        set(template.DEPARTMENT_UNITS)
        | template.CENTRE_UNITS
        | set(template.SCHOOL_UNITS)
        | template.UNMAPPED_UNITS
    )
    for row in template.ROWS:
        assert set(template.units(row.responsible)) <= known, row


def test_plan_from_template_resolves_the_units_the_bureau_has(world):
    moral = Department.objects.create(bureau=world.bureau, name="德育科")
    result = workplan.plan_from_template(
        actor=world.users[Role.SAFETY_CENTRE], bureau=world.bureau, year=2026
    )
    plan = result.plan
    assert plan.is_draft and plan.year == 2026 and plan.tasks.count() == 41
    tasks = {t.sort_order: t for t in plan.tasks.prefetch_related("owed_by_departments")}
    first = tasks[1]
    assert first.code == "WP2026-01" and first.category == "task" and first.quarter == 1
    assert first.frequency == "once 2026-01-01..2026-03-31"
    assert first.responsible_text == "局安办、中小幼、其他单位"
    assert first.source == "003_f300bb9461ec7c5d.txt §附件 第1项"
    assert first.owed_by_schools and first.stages == [] and not first.owed_by_centre
    assert tasks[22].frequency == "once 2026-07-01..2026-09-30"
    # 德育科 exists: linked; 督导安全中心 is the centre; 使用校车学校: no schools
    bus = tasks[3]
    assert list(bus.owed_by_departments.all()) == [moral]
    assert bus.owed_by_centre and not bus.owed_by_schools
    assert bus.responsible_text.endswith("使用校车学校")
    # the seed's years move with the plan's
    assert tasks[38].name == "(6) 各学校(园)总结 2026 年学校安全工作"
    assert tasks[41].name == "(9) 讨论、起草 2027 年区教育系统安全重点工作"
    # 局安办 alone (row 41) is not in this bureau: the centre owes it, and it is said
    assert tasks[41].owed_by_centre
    assert any("第41" in w or "41" in w for w in result.warnings)
    assert any("局安办" in w for w in result.warnings)
    assert any("使用校车学校" in w for w in result.warnings)


def test_one_plan_a_year_and_a_sensible_year(world):
    centre = world.users[Role.SAFETY_CENTRE]
    workplan.plan_from_template(actor=centre, bureau=world.bureau, year=2026)
    for year in (2026, 1900, "abc"):
        with pytest.raises(ValidationError):
            workplan.plan_from_template(actor=centre, bureau=world.bureau, year=year)
    assert WorkPlan.objects.count() == 1


def test_only_the_centre_builds_a_plan(world):
    with pytest.raises(PermissionDenied):
        workplan.plan_from_template(
            actor=world.users[Role.DEPARTMENT_OFFICER], bureau=world.bureau, year=2026
        )
    assert not WorkPlan.objects.exists()


def _task_data(**kw):
    data = {
        "name": "开展消防安全专项治理",
        "quarter": 2,
        "deadline": None,
        "responsible_text": "督导安全中心、中小学",
        "owed_by_schools": True,
        "stages": ["primary"],
        "owed_by_centre": False,
        "departments": [],
    }
    data.update(kw)
    return data


def test_task_save_on_a_draft(world):
    centre = world.users[Role.SAFETY_CENTRE]
    plan = workplan.plan_from_template(actor=centre, bureau=world.bureau, year=2026).plan
    task = plan.tasks.get(sort_order=2)
    workplan.task_save(
        actor=centre,
        task_id=task.pk,
        data=_task_data(deadline=datetime.date(2026, 5, 31), departments=[world.department]),
    )
    task.refresh_from_db()
    assert (task.name, task.quarter, task.frequency) == (
        "开展消防安全专项治理",
        2,
        "once 2026-04-01..2026-05-31",
    )
    assert task.stages == ["primary"] and list(task.owed_by_departments.all()) == [world.department]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": " "}, "name"),
        ({"quarter": 5}, "quarter"),
        ({"deadline": datetime.date(2026, 3, 1)}, "deadline"),
        ({"deadline": datetime.date(2027, 1, 5)}, "deadline"),
        ({"owed_by_schools": False}, "__all__"),
    ],
)
def test_task_save_refuses_bad_input_and_saves_nothing(world, data, field):
    centre = world.users[Role.SAFETY_CENTRE]
    plan = workplan.plan_from_template(actor=centre, bureau=world.bureau, year=2026).plan
    task = plan.tasks.get(sort_order=2)
    before = (task.name, task.frequency, task.quarter)
    with pytest.raises(ValidationError) as exc:
        workplan.task_save(actor=centre, task_id=task.pk, data=_task_data(**data))
    assert field in exc.value.message_dict
    task.refresh_from_db()
    assert (task.name, task.frequency, task.quarter) == before


def test_another_bureaus_department_is_refused(world):
    centre = world.users[Role.SAFETY_CENTRE]
    plan = workplan.plan_from_template(actor=centre, bureau=world.bureau, year=2026).plan
    alien = Department.objects.create(bureau=world.other_bureau, name="德育科")
    with pytest.raises(ValidationError):
        workplan.task_save(
            actor=centre,
            task_id=plan.tasks.get(sort_order=2).pk,
            data=_task_data(departments=[alien]),
        )


@pytest.mark.dates
def test_publish_freezes_generates_and_tallies_by_quarter(world):
    centre = world.users[Role.SAFETY_CENTRE]
    plan = workplan.plan_from_template(actor=centre, bureau=world.bureau, year=2026).plan
    now = timezone.make_aware(datetime.datetime(2026, 5, 10, 9))
    workplan.plan_publish(actor=centre, plan_id=plan.pk, now=now)
    plan.refresh_from_db()
    assert not plan.is_draft and plan.published_at == now
    # Q1 and Q2 windows are open (Q3 opens on 1 July, beyond the horizon)
    assert set(
        Occurrence.objects.filter(duty__plan=plan).values_list("duty__quarter", flat=True)
    ) == {
        1,
        2,
    }
    row1 = Occurrence.objects.filter(duty__sort_order=1, duty__plan=plan)
    assert set(row1.values_list("school_id", flat=True)) == {world.school_a.pk, world.school_b.pk}
    # 中小学 (row 5): the kindergarten does not owe it
    row5 = Occurrence.objects.filter(duty__sort_order=5, duty__plan=plan)
    assert list(row5.values_list("school_id", flat=True)) == [world.school_a.pk]
    assert Occurrence.objects.filter(duty__sort_order=7, owner_kind="centre").count() == 1
    # frozen
    with pytest.raises(ValidationError):
        workplan.task_save(actor=centre, task_id=plan.tasks.get(sort_order=2).pk, data=_task_data())
    with pytest.raises(ValidationError):
        workplan.plan_publish(actor=centre, plan_id=plan.pk)
    # progress: as of 10 May, Q1 is past (all missed), Q2 open
    blocks = workplan.plan_table(user=centre, plan=plan, today=datetime.date(2026, 5, 10))
    q1, q2, q3 = blocks[0], blocks[1], blocks[2]
    owed_q1 = Occurrence.objects.filter(duty__plan=plan, duty__quarter=1).count()
    assert (q1.tally.owed, q1.tally.missed, q1.tally.completed) == (owed_q1, owed_q1, 0)
    assert q2.tally.open == Occurrence.objects.filter(duty__plan=plan, duty__quarter=2).count()
    assert q3.tally.owed == 0
    first = q1.rows[0]
    assert (first.tally.owed, first.tally.missed) == (2, 2)
    # a school sees only its own share
    school_blocks = workplan.plan_table(
        user=world.users[Role.SCHOOL_OFFICER], plan=plan, today=datetime.date(2026, 5, 10)
    )
    assert school_blocks[0].rows[0].tally.owed == 1


def test_a_plan_with_an_empty_task_is_not_published(world):
    centre = world.users[Role.SAFETY_CENTRE]
    plan = workplan.plan_from_template(actor=centre, bureau=world.bureau, year=2026).plan
    Duty.objects.filter(plan=plan, sort_order=7).update(owed_by_centre=False)
    with pytest.raises(ValidationError):
        workplan.plan_publish(actor=centre, plan_id=plan.pk)
    plan.refresh_from_db()
    assert plan.is_draft and not Occurrence.objects.exists()
