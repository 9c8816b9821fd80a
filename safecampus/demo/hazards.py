"""Demo hazards for the demo district: reported and moved through the lifecycle by the services,
so every one has a real timeline."""

from __future__ import annotations

import datetime
import io
import random

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from safecampus.accounts.models import RoleAssignment, User
from safecampus.accounts.services import role_grant, user_create
from safecampus.catalog.models import CheckItem
from safecampus.core.roles import Role
from safecampus.hazards import services
from safecampus.hazards.choices import Action, Decision, RemedyType, Source, Status
from safecampus.orgs.models import School

LOCATIONS = [
    "教学楼一楼东侧楼梯口",
    "食堂后厨操作间",
    "学校南门门卫室",
    "体育馆器材室",
    "化学实验室危化品柜",
    "宿舍楼三楼走廊",
    "操场东北角围墙",
    "行政楼配电间",
    "校车停靠点",
    "图书馆二楼阅览室",
]
PEOPLE = ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "黄敏", "周杰"]

#: status to reach → (share of demo hazards, actions from a new report)
PLAN = [
    (Status.REPORTED, 0.12, []),
    (Status.ASSIGNED, 0.18, [Action.CONFIRM]),
    (Status.RECTIFYING, 0.18, [Action.CONFIRM, Action.START]),
    (Status.SUBMITTED, 0.10, [Action.CONFIRM, Action.SUBMIT]),
    (Status.CLOSED, 0.34, [Action.CONFIRM, Action.SUBMIT, Action.ACCEPT]),
    (Status.HARD, 0.05, [Action.CONFIRM, Action.MARK_HARD]),
    (Status.WITHDRAWN, 0.03, [Action.WITHDRAW]),
]


#: funds and contingency plan a department sets when it confirms (measures come with the report)
FIVE_IN_PLACE = {
    "funds": "学校公用经费列支",
    "contingency_plan": "整改完成前设置警示、专人值守，发现险情立即疏散并报告",
}


def _photo(rng: random.Random, label: str) -> SimpleUploadedFile:
    img = Image.new("RGB", (480, 360), tuple(rng.randrange(90, 220) for _ in range(3)))
    ImageDraw.Draw(img).rectangle((60, 60, 420, 300), outline=(255, 255, 255), width=6)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=70)
    return SimpleUploadedFile(f"{label}.jpg", buf.getvalue(), content_type="image/jpeg")


def _school_officer(school: School, password: str) -> User:
    ra = (
        RoleAssignment.objects.active()
        .filter(school=school, role=Role.SCHOOL_OFFICER)
        .select_related("user")
        .first()
    )
    if ra:
        return ra.user
    user = user_create(
        actor=None,
        username=f"s{school.code}",
        password=password,
        full_name=f"{school.name} 安全员",
        bureau=school.bureau,
        must_change_password=False,
    )
    role_grant(actor=None, user=user, role=Role.SCHOOL_OFFICER, organisation=school)
    return user


def seed_demo_hazards(*, district, password: str, schools: int = 40, per_school: int = 5, seed=7):
    """Report ``per_school`` hazards at each of ``schools`` schools and move them along."""
    rng = random.Random(seed)
    today = timezone.localdate()
    centre = User.objects.get(username="centre")
    dept_users = {
        ra.department_id: ra.user
        for ra in RoleAssignment.objects.active()
        .filter(role=Role.DEPARTMENT_OFFICER, department__bureau=district)
        .select_related("user")
    }
    leader = User.objects.filter(username="leader").first() or centre
    items = list(
        CheckItem.objects.filter(
            version__bureau=district, version__status="published", school_facing=True
        )
        .select_related("area")
        .prefetch_related("responsible_departments")
    )
    chosen = list(School.objects.filter(bureau=district, is_active=True).order_by("id")[:schools])
    statuses = [p[0] for p in PLAN]
    weights = [p[1] for p in PLAN]
    paths = {p[0]: p[2] for p in PLAN}
    made = 0
    for school in chosen:
        officer = _school_officer(school, password)
        fitting = [i for i in items if i.applies_to(school)]
        for _ in range(per_school if fitting else 0):
            item = rng.choice(fitting)
            found = today - datetime.timedelta(days=rng.randrange(1, 120))
            major = item.default_level == "major"
            data = {
                "description": f"{item.text[:40]}——检查发现未完全落实，需整改",
                "location": rng.choice(LOCATIONS),
                "source": rng.choice([Source.SELF_INSPECTION] * 3 + [Source.SEASONAL_CHECK]),
                "found_on": found,
                "found_by": rng.choice(PEOPLE),
                "remedy_type": RemedyType.DEADLINE,
                "responsible_person": rng.choice(PEOPLE),
                "responsible_phone": f"1380000{rng.randrange(1000, 9999)}",
                "measures": "制定整改方案，落实责任人，按期完成整改并留存照片",
                "lec_l": rng.choice([1, 3, 6]),
                "lec_e": rng.choice([2, 3, 6]),
                "lec_c": rng.choice([3, 7, 15]),
            }
            if major:
                data |= {
                    "interim_measures": "设置警示标识和临时围挡，安排专人值守",
                    "interim_unit": school.name,
                    "interim_person": rng.choice(PEOPLE),
                    "interim_deadline": found + datetime.timedelta(days=3),
                }
            hazard = services.hazard_report(
                actor=officer, school=school, item=item, data=data, files=[_photo(rng, "现场")]
            )
            target = rng.choices(statuses, weights)[0]
            dept_user = dept_users.get(hazard.responsible_department_id, centre)
            for action in paths[target]:
                actor = officer if action in (Action.START, Action.SUBMIT) else dept_user
                changes, comment, files = {}, "", ()
                if action == Action.CONFIRM:
                    # some deadlines already passed: the register shows them overdue
                    changes = {
                        "deadline": found + datetime.timedelta(days=rng.randrange(15, 150)),
                        **FIVE_IN_PLACE,  # 五落实: confirmed only with all five
                    }
                elif action == Action.SUBMIT:
                    comment, files = "已按方案完成整改，附整改后照片", [_photo(rng, "整改后")]
                elif action == Action.MARK_HARD:
                    comment = "涉及校舍改造，需区财政专项资金，短期内难以完成"
                elif action == Action.WITHDRAW:
                    comment = "经核实不属于安全隐患"
                hazard = services.hazard_act(
                    actor=actor,
                    hazard_id=hazard.pk,
                    action=action,
                    version=hazard.version,
                    comment=comment,
                    changes=changes,
                    files=files,
                )
            if target == Status.HARD and rng.random() < 0.5:
                services.hazard_act(
                    actor=leader,
                    hazard_id=hazard.pk,
                    action=Action.DECIDE,
                    version=hazard.version,
                    comment="专题研商：列入下年度校舍改造计划，挂牌督办",
                    changes={
                        "decisions": [Decision.SUPERVISE, Decision.NEW_DEADLINE],
                        "deadline": today + datetime.timedelta(days=180),
                    },
                )
            made += 1
    return made
