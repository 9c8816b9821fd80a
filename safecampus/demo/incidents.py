"""Demo incidents of the demo district: routing and the officer named on restricted cases, about
60 incidents over the last three months (most reported on time, some late; follow-ups, closing
reports, a serious one with its 三同步, an accident taken through responsibility, insurance and
people's mediation, a restricted bullying case at the demo primary school), an open food
poisoning whose daily follow-up was missed, and illness records that raised a cluster alert at
the demo kindergarten this morning, not yet reported."""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from safecampus.accounts.models import User
from safecampus.incidents import configuration, dispute_services, illness, services
from safecampus.incidents.choices import (
    DisputeAction,
    DisputeSource,
    DisputeSubject,
    IncidentAction,
    IncidentType,
    InsuranceResult,
    MediationKind,
    MediationOutcome,
    PartyRole,
    Responsibility,
    RiskLevel,
    Severity,
    SyncItem,
)
from safecampus.orgs.models import Department, School

TITLES = {
    IncidentType.INJURY: ["学生课间摔伤", "体育课扭伤脚踝", "楼梯拥挤学生跌倒", "午休时学生磕伤"],
    IncidentType.TRAFFIC: ["放学途中学生被电动车碰擦", "校门口车辆剐蹭"],
    IncidentType.FIRE: ["食堂油烟管道起火，已扑灭"],
    IncidentType.FOOD_POISONING: ["午餐后多名学生腹痛呕吐"],
    IncidentType.INFECTIOUS: ["班级出现多例发热病例"],
    IncidentType.VIOLENCE: ["校外人员在校门口滋事"],
    IncidentType.DISASTER: ["强对流天气致围墙局部倒塌"],
    IncidentType.PUBLIC_OPINION: ["网传学校食堂食材问题", "家长群传播不实信息"],
    IncidentType.DISTURBANCE: ["家长聚集校门口讨说法"],
    IncidentType.OTHER: ["实验室试剂瓶破损", "学生走失后寻回"],
}
WEIGHTS = [
    (IncidentType.INJURY, 40),
    (IncidentType.TRAFFIC, 10),
    (IncidentType.PUBLIC_OPINION, 8),
    (IncidentType.OTHER, 10),
    (IncidentType.DISTURBANCE, 3),
    (IncidentType.VIOLENCE, 3),
    (IncidentType.FIRE, 2),
    (IncidentType.DISASTER, 2),
]


def _user(name: str) -> User:
    return User.objects.get(username=name)


def _school_staff(school) -> User | None:
    return (
        User.objects.filter(
            role_assignments__school=school, role_assignments__revoked_at__isnull=True
        )
        .order_by("pk")
        .first()
    )


def seed_demo_incidents(*, district, now=None, seed: int = 19) -> dict:
    now = now or timezone.now()
    rng = random.Random(seed)
    centre, school_user, kg_user = _user("centre"), _user("school"), _user("kg")
    departments = {d.name: d.pk for d in Department.objects.filter(bureau=district)}
    routing = {
        t: departments.get(name)
        for t, name in (
            (IncidentType.INJURY, "普教一科"),
            (IncidentType.TRAFFIC, "普教一科"),
            (IncidentType.VIOLENCE, "法制科"),
            (IncidentType.BULLYING, "法制科"),
            (IncidentType.ABUSE, "法制科"),
            (IncidentType.DISTURBANCE, "法制科"),
            (IncidentType.FOOD_POISONING, "安全管理中心"),
            (IncidentType.INFECTIOUS, "安全管理中心"),
            (IncidentType.FIRE, "安全管理中心"),
        )
        if departments.get(name)
    }
    configuration.settings_save(
        actor=centre,
        bureau_id=district.pk,
        data={"routing": routing, "restricted_officers": [centre.pk]},
        now=now - datetime.timedelta(days=100),
    )
    schools = list(School.objects.filter(bureau=district, is_active=True).order_by("pk"))
    primary = School.objects.get(pk=school_user.role_assignments.first().school_id)
    kg = School.objects.get(pk=kg_user.role_assignments.first().school_id)
    reporters = {}
    made = []
    #: nothing the demo records happens after the moment it is seeded
    latest = now - datetime.timedelta(minutes=5)
    for i in range(55):
        school = primary if i % 9 == 0 else rng.choice(schools)
        reporter = reporters.get(school.pk)
        if reporter is None:
            reporter = reporters[school.pk] = _school_staff(school) or centre
        kind = rng.choices([w[0] for w in WEIGHTS], [w[1] for w in WEIGHTS])[0]
        severity = Severity.LARGER if rng.random() < 0.08 else Severity.GENERAL
        reported = now - datetime.timedelta(days=rng.randint(2, 90), minutes=rng.randint(0, 600))
        delay = rng.choice([5, 10, 15, 20, 25, 30, 30, 40, 50, 75])
        incident = services.incident_report(
            actor=reporter,
            data={
                "school": school.pk,
                "incident_type": kind,
                "severity": severity,
                "title": rng.choice(TITLES[kind]),
                "occurred_at": reported - datetime.timedelta(minutes=delay),
                "place": rng.choice(["操场", "教学楼", "食堂", "校门口", "体育馆"]),
                "description": "事件经过已初步核实，详见续报。",
                "measures": "已启动应急预案，通知家长，现场处置。",
                "affected_students": rng.randint(1, 3),
                "injured": 1 if kind in (IncidentType.INJURY, IncidentType.TRAFFIC) else 0,
            },
            now=reported,
        )
        made.append(incident)
        step = reported
        if rng.random() < 0.8:
            step = min(step + datetime.timedelta(hours=rng.randint(1, 20)), latest)
            services.incident_act(
                actor=reporter,
                incident_id=incident.pk,
                action=IncidentAction.FOLLOW_UP,
                data={"note": "学生已就医，情况稳定；家长情绪平稳。"},
                now=step,
            )
        if incident.department_id and rng.random() < 0.7:
            officer = (
                User.objects.filter(
                    role_assignments__department_id=incident.department_id,
                    role_assignments__revoked_at__isnull=True,
                )
                .order_by("pk")
                .first()
            )
            if officer is not None:
                services.incident_act(
                    actor=officer,
                    incident_id=incident.pk,
                    action=IncidentAction.ACKNOWLEDGE,
                    now=reported + datetime.timedelta(minutes=20),
                )
        if rng.random() < 0.75:
            services.incident_act(
                actor=reporter,
                incident_id=incident.pk,
                action=IncidentAction.CLOSE,
                data={"note": "处置完毕，学生已返校，家长无异议。"},
                now=min(step + datetime.timedelta(days=rng.randint(1, 3)), latest),
            )
    serious = _serious(primary, school_user, centre, now)
    accident = _accident(primary, school_user, now)
    bullying = services.incident_report(
        actor=school_user,
        data={
            "school": primary.pk,
            "incident_type": IncidentType.BULLYING,
            "severity": Severity.GENERAL,
            "title": "疑似校园欺凌",
            "occurred_at": now - datetime.timedelta(days=3, hours=2),
            "known_at": now - datetime.timedelta(days=3, hours=1),
            "place": "教学楼厕所",
            "description": "班主任发现一名学生多次被同学索要财物并推搡。",
            "measures": "已分别约谈双方学生及家长，心理老师介入。",
            "affected_students": 3,
            "private_details": "受害学生：五(3)班 某某；涉事学生：五(3)班 两名。",
        },
        now=now - datetime.timedelta(days=3),
    )
    food = services.incident_report(
        actor=school_user,
        data={
            "school": primary.pk,
            "incident_type": IncidentType.FOOD_POISONING,
            "severity": Severity.GENERAL,
            "title": "午餐后多名学生腹痛呕吐",
            "occurred_at": now - datetime.timedelta(days=2, hours=3),
            "place": "学校食堂",
            "description": "午餐后约一小时，二年级6名学生出现腹痛、呕吐。",
            "measures": "送医观察，封存留样，报告市场监管所和疾控。",
            "affected_students": 6,
            "injured": 6,
        },
        now=now - datetime.timedelta(days=2, hours=1),
    )
    alert = None
    # recorded 20 minutes ago, on the day that was then (just after midnight, yesterday)
    recorded_at = now - datetime.timedelta(minutes=20)
    today = timezone.localtime(recorded_at).date()
    for day, cases in ((today - datetime.timedelta(days=1), 2), (today, 3)):
        _record, alert = illness.illness_record(
            actor=kg_user,
            data={
                "school": kg.pk,
                "class_name": "中(2)班",
                "day": day.isoformat(),
                "cases": cases,
                "symptoms": "发热、咳嗽",
            },
            now=recorded_at,
        )
    disputes = _disputes(district, primary, kg, school_user, kg_user, centre, now)
    return {
        "disputes": disputes,
        "incidents": len(made) + 4,
        "late": sum(1 for i in made if i.first_late),
        "serious": serious.pk,
        "accident": accident.pk,
        "restricted": bullying.pk,
        "missed": food.pk,
        "cluster": alert.pk if alert else None,
    }


def _serious(school, reporter, centre, now):
    at = now - datetime.timedelta(days=5)
    incident = services.incident_report(
        actor=reporter,
        data={
            "school": school.pk,
            "incident_type": IncidentType.FIRE,
            "severity": Severity.LARGER,
            "title": "实验楼配电间起火",
            "occurred_at": at - datetime.timedelta(minutes=18),
            "place": "实验楼一层配电间",
            "description": "配电间冒烟起火，师生按预案疏散，无人员受伤。",
            "measures": "拨打119，切断电源，组织疏散并清点人数。",
            "affected_students": 620,
            "affected_staff": 48,
        },
        now=at,
    )
    for minutes, item, note in (
        (10, SyncItem.REPORT, "同步报告区教育局、消防救援站"),
        (15, SyncItem.HANDLE, "同步组织疏散和处置"),
        (90, SyncItem.OPINION, "通过家校群发布情况说明"),
    ):
        services.incident_act(
            actor=reporter,
            incident_id=incident.pk,
            action=IncidentAction.SYNC,
            data={"item": item, "note": note},
            now=at + datetime.timedelta(minutes=minutes),
        )
    services.incident_act(
        actor=centre,
        incident_id=incident.pk,
        action=IncidentAction.ESCALATE,
        data={"note": "较大事件，报领导小组。"},
        now=at + datetime.timedelta(minutes=30),
    )
    return incident


def _accident(school, reporter, now):
    at = now - datetime.timedelta(days=40)
    incident = services.incident_report(
        actor=reporter,
        data={
            "school": school.pk,
            "incident_type": IncidentType.INJURY,
            "severity": Severity.GENERAL,
            "title": "体育课学生骨折",
            "occurred_at": at - datetime.timedelta(minutes=25),
            "place": "操场",
            "description": "跳远练习时一名学生落地不稳，左臂骨折。",
            "measures": "校医固定，送医，通知家长。",
            "affected_students": 1,
            "injured": 1,
        },
        now=at,
    )
    steps = [
        (IncidentAction.CLOSE, {"note": "学生手术顺利，已返校。"}, 6),
        (
            IncidentAction.RESPONSIBILITY,
            {"value": Responsibility.PARTLY, "note": "保护措施不足，学校承担次要责任。"},
            10,
        ),
        (IncidentAction.INSURANCE, {"value": InsuranceResult.FILED, "note": "已报校方责任险"}, 11),
        (
            IncidentAction.MEDIATION,
            {
                "kind": MediationKind.PEOPLES,
                "value": MediationOutcome.STARTED,
                "note": "街道人民调解委员会受理。",
            },
            14,
        ),
        (
            IncidentAction.MEDIATION,
            {
                "kind": MediationKind.PEOPLES,
                "value": MediationOutcome.AGREED,
                "amount": "18000",
                "note": "达成调解协议，保险理赔后一次性结清。",
            },
            25,
        ),
        (
            IncidentAction.INSURANCE,
            {"value": InsuranceResult.PAID, "amount": "15000", "note": "保险公司赔付"},
            30,
        ),
    ]
    for action, data, days in steps:
        services.incident_act(
            actor=reporter,
            incident_id=incident.pk,
            action=action,
            data=data,
            now=at + datetime.timedelta(days=days),
        )
    return incident


DISPUTES = [
    # (school: "primary"/"kg"/"other", subject, title, parties, risk, petition, source, days ago,
    #  steps: [(action, data, days after)])
    (
        "primary",
        DisputeSubject.INJURY,
        "学生体育课受伤赔偿争议",
        [(PartyRole.PARENT, 2), (PartyRole.SCHOOL, 1)],
        RiskLevel.HIGH,
        True,
        DisputeSource.INCIDENT,
        12,
        [
            (DisputeAction.MEDIATE, {"kind": "peoples", "value": "started"}, 2),
            (DisputeAction.MEDIATE, {"kind": "peoples", "value": "session"}, 6),
        ],
    ),
    (
        "kg",
        DisputeSubject.FEES,
        "保育费退费争议",
        [(PartyRole.PARENT, 6), (PartyRole.SCHOOL, 1)],
        RiskLevel.MEDIUM,
        True,
        DisputeSource.SCREENING,
        20,
        [(DisputeAction.ESCALATE, {}, 5)],
    ),
    (
        "other",
        DisputeSubject.LABOUR,
        "代课教师劳务报酬争议",
        [(PartyRole.STAFF, 1), (PartyRole.SCHOOL, 1)],
        RiskLevel.LOW,
        False,
        DisputeSource.SCREENING,
        40,
        [
            (DisputeAction.MEDIATE, {"kind": "administrative", "value": "agreed"}, 7),
            (DisputeAction.RESOLVE, {"outcome": "双方达成一致，学校按约定补发报酬。"}, 8),
        ],
    ),
    (
        "other",
        DisputeSubject.DISCIPLINE,
        "家长对班主任批评方式有异议",
        [(PartyRole.PARENT, 1), (PartyRole.STAFF, 1)],
        RiskLevel.LOW,
        False,
        DisputeSource.REPORT,
        6,
        [],
    ),
    (
        "primary",
        DisputeSubject.ADMISSION,
        "学区划分引发家长集体诉求",
        [(PartyRole.PARENT, 15), (PartyRole.SCHOOL, 1)],
        RiskLevel.HIGH,
        True,
        DisputeSource.PETITION,
        3,
        [],
    ),
]

NOTES = {
    DisputeAction.MEDIATE: "街道人民调解委员会组织双方调解。",
    DisputeAction.ESCALATE: "学校化解困难，报区教育局协调。",
    DisputeAction.RESOLVE: "纠纷已化解。",
}


def _disputes(district, primary, kg, school_user, kg_user, centre, now) -> int:
    """A handful of disputes at the demo schools and one other: two at risk of petitions (one
    being mediated, one new), one escalated, one resolved, one new."""
    other = (
        School.objects.filter(bureau=district, is_active=True)
        .exclude(pk__in=[primary.pk, kg.pk])
        .order_by("pk")
        .first()
    )
    where = {"primary": (primary, school_user), "kg": (kg, kg_user), "other": (other, centre)}
    made = 0
    for key, subject, title, parties, risk, petition, source, days, steps in DISPUTES:
        school, actor = where[key]
        if school is None:
            continue
        found = now - datetime.timedelta(days=days)
        dispute = dispute_services.dispute_register(
            actor=actor,
            data={
                "school": school.pk,
                "subject": subject,
                "title": title,
                "parties": [{"role": role, "count": n} for role, n in parties],
                "summary": "经排查发现，当事各方诉求已记录，学校已安排专人跟进。",
                "risk": risk,
                "petition_risk": petition,
                "source": source,
                "found_on": timezone.localtime(found).date().isoformat(),
            },
            now=found,
        )
        for action, data, after in steps:
            dispute_services.dispute_act(
                actor=actor,
                dispute_id=dispute.pk,
                action=action,
                data={"note": NOTES.get(action, ""), **data},
                now=found + datetime.timedelta(days=after),
            )
        made += 1
    return made
