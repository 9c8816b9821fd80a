"""The demo campaign a few weeks on (000 §四(二)–(三)): the centre moves its dates so that the
special rectification phase is under way, departments take up the hazards the forms reported and
file weekly reports (one late, one department missing), the centre compiles the district report,
the leadership group orders a spot check (one claim found false, which reopens the hazard and
opens an accountability record), a consultation decides on the hazards hard to resolve, a school
is put under 挂牌督办, and the daily digest runs."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.utils import timezone

from safecampus.accountability import services as accountability
from safecampus.accountability.models import ConsultationKind, RecordBasis, RecordKind
from safecampus.accounts.models import RoleAssignment, User
from safecampus.accounts.services import role_grant, user_create
from safecampus.campaigns import services
from safecampus.campaigns.models import Campaign
from safecampus.core.roles import Role
from safecampus.demo.hazards import _photo
from safecampus.hazards import services as hazards
from safecampus.hazards.choices import Action, Decision, Status
from safecampus.hazards.models import Hazard
from safecampus.notifications.services import daily_run
from safecampus.spotchecks import services as spotchecks
from safecampus.spotchecks.models import Result
from safecampus.weekly import services as weekly
from safecampus.weekly.weeks import departments_owing, report_weeks


def seed_demo_supervision(*, campaign: Campaign, password: str, seed: int = 13) -> dict:
    rng = random.Random(seed)
    today = timezone.localdate()
    campaign = Campaign.objects.get(pk=campaign.pk)
    # Weeks are counted from the start of this report week, not from today: seeded on a
    # Monday or on a Sunday, the demo has the same weeks and the same filed, late and missing
    # reports (two complete weeks behind, the current one under way).
    anchor = week_start_of(campaign, today)
    centre = User.objects.get(username="centre")
    leader = User.objects.get(username="leader")
    inspector = User.objects.get(username="inspector")
    _move_into_rectification(campaign, centre, anchor)
    officers = _department_officers(campaign, password)
    _take_up_hazards(campaign, centre, officers, rng)
    filed = _weekly_reports(campaign, centre, officers, anchor)
    check = _spot_check(campaign, leader, inspector, rng, today)
    _consultation(campaign, leader, today)
    _supervision_record(campaign, centre, today)
    digests = daily_run(today=today)
    return {"weekly_reports": filed, "spot_check": check.pk, "digests": digests}


def week_start_of(campaign: Campaign, day: datetime.date) -> datetime.date:
    """The first day of the campaign's report week holding ``day``."""
    return day - datetime.timedelta(days=(day.weekday() - campaign.report_week_start) % 7)


def _move_into_rectification(campaign: Campaign, centre, anchor: datetime.date) -> None:
    """As if five weeks had passed since the launch: forms were due 3 weeks before this report
    week (which starts on ``anchor``) and the special rectification phase began 2 weeks before
    it (the forms already submitted keep their on-time mark)."""
    today = anchor  # every date below is counted from the start of this report week
    day = datetime.timedelta(days=1)
    services.campaign_save(
        actor=centre,
        bureau=campaign.bureau,
        campaign=campaign,
        data={
            "name": campaign.name,
            "forms_due": today - 21 * day,
            "catalog_version": campaign.catalog_version,
        },
        phases=[
            {
                "name": "集中排查",
                "kind": "inspection",
                "starts_on": today - 35 * day,
                "ends_on": today - 15 * day,
            },
            {
                "name": "专项整治",
                "kind": "rectification",
                "starts_on": today - 14 * day,
                "ends_on": today + 45 * day,
                "weekly_reports": True,
            },
            {
                "name": "总结评估",
                "kind": "evaluation",
                "starts_on": today + 46 * day,
                "ends_on": today + 65 * day,
            },
        ],
        milestones=[{"name": "责任部门反馈整改情况", "due_on": today + 55 * day}],
    )
    # launched when its first phase began (weekly reports are owed only from the launch)
    Campaign.objects.filter(pk=campaign.pk).update(
        launched_at=timezone.make_aware(
            datetime.datetime.combine(today - 35 * day, datetime.time(9))
        )
    )
    campaign.refresh_from_db()


def _department_officers(campaign: Campaign, password: str) -> dict[int, User]:
    """An officer for every department that owes weekly reports (the demo accounts cover four;
    the others get ``dept<id>``)."""
    officers = {
        ra.department_id: ra.user
        for ra in RoleAssignment.objects.active()
        .filter(role=Role.DEPARTMENT_OFFICER, department__bureau=campaign.bureau)
        .select_related("user")
    }
    for department in departments_owing(campaign).order_by("sort_order", "pk"):
        if department.pk not in officers:
            user = user_create(
                actor=None,
                username=f"dept{department.pk}",
                password=password,
                full_name=f"{department.name} 联络员",
                bureau=campaign.bureau,
                must_change_password=False,
            )
            role_grant(actor=None, user=user, role=Role.DEPARTMENT_OFFICER, organisation=department)
            officers[department.pk] = user
    return officers


def _act(actor, hazard: Hazard, action: str, **kw) -> Hazard:
    return hazards.hazard_act(
        actor=actor, hazard_id=hazard.pk, action=action, version=hazard.version, **kw
    )


def _take_up_hazards(campaign: Campaign, centre, officers: dict, rng: random.Random) -> None:
    """Departments confirm most of the campaign's hazards; schools rectify some, departments
    close some, two are hard to resolve and one department disputes a hazard."""
    found = list(
        Hazard.objects.filter(campaign=campaign, status=Status.REPORTED)
        .select_related("school")
        .order_by("pk")
    )
    for n, hazard in enumerate(found):
        dept_user = officers.get(hazard.responsible_department_id, centre)
        if n % 10 == 9:
            continue  # still awaiting the department
        deadline = hazard.deadline or timezone.localdate() + datetime.timedelta(days=30)
        five = {  # 五落实: confirmed only with funds, measures and a contingency plan too
            "funds": "学校公用经费列支",
            "contingency_plan": "整改完成前设置警示、专人值守，发现险情立即疏散并报告",
            **({} if hazard.measures else {"measures": "按整改方案限期整改"}),
        }
        hazard = _act(dept_user, hazard, Action.CONFIRM, changes={"deadline": deadline, **five})
        if n in (3, 11):
            _act(dept_user, hazard, Action.MARK_HARD, comment="需改造管网，经费待区里审批")
            continue
        if n == 5 and hazard.responsible_department_id in officers:
            _act(
                dept_user, hazard, Action.DISPUTE, comment="该事项属后勤保障范围，建议由后勤科牵头"
            )
            continue
        if n % 3 == 0:
            continue  # assigned, the school has not started
        school_user = _school_user(hazard)
        if school_user is None:
            continue
        hazard = _act(school_user, hazard, Action.START)
        if n % 3 == 1:
            hazard = _act(
                school_user,
                hazard,
                Action.SUBMIT,
                comment="已按方案完成整改",
                files=[_photo(rng, "整改后")],
            )
            if n % 2 == 1:
                _act(dept_user, hazard, Action.ACCEPT, comment="现场核查，整改到位")


def _school_user(hazard: Hazard):
    ra = (
        RoleAssignment.objects.active()
        .filter(school_id=hazard.school_id, role=Role.SCHOOL_OFFICER)
        .select_related("user")
        .first()
    )
    return ra.user if ra else None


def _weekly_reports(campaign: Campaign, centre, officers: dict, anchor: datetime.date) -> int:
    """Every department reports the complete weeks before this one (which starts on
    ``anchor``) on time, except one late and one missing for the last complete week; two
    departments have started this week's draft. The centre compiles each complete week's
    district report on its last evening. Nothing is dated after the start of this week, so the
    same reports are seeded whatever day of the week it is."""
    weeks = [w for w in report_weeks(campaign) if w.start <= anchor]
    departments = list(departments_owing(campaign).order_by("sort_order", "pk"))
    filed = 0
    for week in weeks:
        current = week.start == anchor
        last = week.end == anchor - datetime.timedelta(days=1)
        for j, department in enumerate(departments):
            officer = officers[department.pk]
            if current:
                if j < 2:
                    weekly.weekly_report_open(
                        actor=officer,
                        campaign=campaign,
                        department=department,
                        week_start=week.start,
                    )
                continue
            if last and j == len(departments) - 1:
                continue  # never filed: missing
            late = last and j == len(departments) - 2
            # late: two days after the due day, still within the week (due on a Friday: Sunday)
            day = min(week.due + datetime.timedelta(days=2), week.end) if late else week.due
            at = _at(day, hour=16)
            report = weekly.weekly_report_open(
                actor=officer,
                campaign=campaign,
                department=department,
                week_start=week.start,
                now=at,
            )
            weekly.weekly_report_submit(
                actor=officer,
                report_id=report.pk,
                data={
                    "progress": f"本周督促相关学校落实整改，现场检查{2 + j % 3}所学校。",
                    "problems": "个别学校整改资金未落实，进度偏慢。" if j % 2 else "",
                    "next_plan": "下周继续跟踪逾期隐患，对重点学校开展复查。",
                },
                now=at,
            )
            filed += 1
        if not current and filed:
            weekly.district_report_compile(
                actor=centre,
                campaign=campaign,
                week_start=week.start,
                summary="各责任部门按计划推进整改，整体进度正常；对逾期隐患加强督办。",
                now=_at(week.end, hour=18),
            )
    return filed


def _at(day: datetime.date, *, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _spot_check(campaign: Campaign, leader, inspector, rng: random.Random, today):
    """10 % of the hazards claimed resolved or in progress, at least one per department; the
    inspector has checked three: two as claimed, one not."""
    check = spotchecks.spot_check_order(
        actor=leader,
        bureau=campaign.bureau,
        campaign=campaign,
        title=f"{campaign.name} 整改情况抽查",
        proportion=Decimal("0.10"),
        claims=["resolved", "in_progress"],
        minimum_per_stratum=1,
        note="领导小组组织责任部门按比例抽查",
    )
    items = list(check.items.order_by("pk"))
    spotchecks.spot_check_assign(
        actor=leader, spot_check=check, inspector=inspector, item_ids=[i.pk for i in items]
    )
    for n, item in enumerate(items[:3]):
        bad = n == 2
        spotchecks.spot_check_record(
            actor=inspector,
            item=item,
            result=Result.NOT_AS_CLAIMED if bad else Result.CONFIRMED,
            finding="现场查看，整改未落实，仅张贴了警示标识" if bad else "现场核实，与上报一致",
            checked_on=today,
            files=[_photo(rng, f"抽查{n + 1}")],
        )
    return check


def _consultation(campaign: Campaign, leader, today: datetime.date) -> None:
    """A consultation on the hard and disputed hazards: the decisions are applied."""
    candidates = list(
        Hazard.objects.filter(campaign=campaign)
        .filter(accountability.consultation_candidates_q())
        .order_by("pk")[:4]
    )
    if not candidates:
        return
    consultation = accountability.consultation_create(
        actor=leader,
        data={
            "kind": ConsultationKind.STUDY,
            "title": "难以短期化解隐患专题研商",
            "held_on": today - datetime.timedelta(days=2),
            "location": "区教育局三楼会议室",
            "attendees": "领导小组组长、安全管理中心、普教一科、学前科、后勤保障中心",
            "notes": "逐项研究难以短期化解及责任不清的隐患，明确牵头部门与完成时限。",
            "campaign": campaign,
        },
        hazards=candidates,
    )
    decisions = {}
    for item in consultation.items.select_related("hazard"):
        hazard = item.hazard
        if hazard.responsibility_disputed or hazard.responsible_department_id is None:
            department = (
                campaign.bureau.departments.exclude(pk=hazard.responsible_department_id)
                .order_by("sort_order", "pk")
                .first()
            )
            decisions[item.pk] = {
                "decisions": [Decision.NEW_DEPARTMENT],
                "department": department,
                "deadline": None,
                "comment": f"明确由{department.name}牵头整改",
            }
        else:
            decisions[item.pk] = {
                "decisions": [Decision.NEW_DEADLINE, Decision.SUPERVISE],
                "department": None,
                "deadline": today + datetime.timedelta(days=60),
                "comment": "纳入区级挂牌督办，暑期施工完成",
            }
    accountability.consultation_apply(
        actor=leader, consultation_id=consultation.pk, decisions=decisions
    )


def _supervision_record(campaign: Campaign, centre, today: datetime.date) -> None:
    """The school with the most overdue hazards is put under 挂牌督办."""
    hazard = (
        Hazard.objects.filter(campaign=campaign, status__in=[Status.ASSIGNED, Status.RECTIFYING])
        .select_related("school")
        .order_by("pk")
        .first()
    )
    if hazard is None:
        return
    accountability.record_open(
        actor=centre,
        bureau_id=campaign.bureau_id,
        kind=RecordKind.SUPERVISION,
        basis=RecordBasis.HAZARD,
        reason=f"{hazard.school.name}隐患整改进度滞后，予以挂牌督办，限期整改到位。",
        school=hazard.school,
        hazards=[hazard],
        deadline=today + datetime.timedelta(days=30),
    )


__all__ = ["seed_demo_supervision"]
