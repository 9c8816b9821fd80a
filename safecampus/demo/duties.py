"""Recurring duties of the demo district (常态化工作): a Shanghai school calendar, the default
duty catalog, this year's work plan from 003's task table, the occurrences owed up to today and
a realistic history recorded through the services (in bulk).

Everything is relative to the real date the demo is seeded on (``timezone.localdate()``), so
it works on any day of the year: the catalog is published on 1 September of the current school
year (1 March when the school year began less than two months ago), the plan is the one of the
year whose 20 January has passed. Every school has a history (``services.record_bulk``, with a
small photo of its own for each piece of evidence and the figures asked): most of what it
owed done on time, some late, the rest missed, a few schools well behind; the demo schools'
drills all done; one excuse pending; the kindergarten's drill of the current quarter left open
for the demo to record.

No 2027 holiday is entered: chinese-calendar knows up to 2026, and the State Council's 2027
arrangement is not taken as known here; the calendar page warns about the missing year.
"""

from __future__ import annotations

import datetime
import io
import random

from django.utils import timezone
from PIL import Image, ImageDraw

from safecampus.accounts.models import RoleAssignment, User
from safecampus.core.roles import Role
from safecampus.duties import selectors, services, workplan
from safecampus.duties.choices import OccurrenceStatus, TermKind
from safecampus.duties.loading import load_default_catalog
from safecampus.duties.models import Occurrence, SchoolTerm
from safecampus.duties.schoolcal import SchoolCalendar, library_knows
from safecampus.orgs.models import School

#: the share of past occurrences recorded on time and late; the rest is missed
ON_TIME, LATE = 0.80, 0.08
#: days ahead generated now (the daily job and the owners' pages generate the rest)
GENERATE_AHEAD = 14

SCENARIOS = [
    "火灾应急疏散",
    "地震应急避险疏散",
    "防暴恐应急处置",
    "台风暴雨应急疏散",
    "午睡时段火灾逃生",
]
EXCUSE = "分管副校长本月参加市级集中培训，专题会议顺延至下月第一周召开。"


def autumn_term(year: int) -> tuple[datetime.date, datetime.date]:
    """1 September to about 20 January (Shanghai's autumn term)."""
    return datetime.date(year, 9, 1), datetime.date(year + 1, 1, 20)


def spring_term(year: int) -> tuple[datetime.date, datetime.date]:
    """The first workday from 16 February (after the Spring Festival holiday where the library
    knows the year) to 30 June."""
    cal = SchoolCalendar()
    day = datetime.date(year, 2, 16)
    if library_knows(year):
        while not cal.is_workday(day):
            day += datetime.timedelta(days=1)
    else:
        while day.weekday() != 0:
            day += datetime.timedelta(days=1)
    return day, datetime.date(year, 6, 30)


def build_terms(district, today: datetime.date) -> list[SchoolTerm]:
    """Terms of the school years from 2025-2026 (or the one before today's) to the next."""
    current = today.year if today.month >= 9 else today.year - 1
    rows = []
    for year in range(min(2025, current - 1), current + 2):
        a_start, a_end = autumn_term(year)
        s_start, s_end = spring_term(year + 1)
        rows += [
            SchoolTerm(
                bureau=district,
                school_year=f"{year}-{year + 1}",
                kind=TermKind.AUTUMN,
                start=a_start,
                end=a_end,
            ),
            SchoolTerm(
                bureau=district,
                school_year=f"{year}-{year + 1}",
                kind=TermKind.SPRING,
                start=s_start,
                end=s_end,
            ),
        ]
    return SchoolTerm.objects.bulk_create(rows)


def catalog_start(today: datetime.date) -> datetime.date:
    """When the demo's catalog was published: 1 September of this school year, or 1 March
    when that is less than two months ago."""
    start = datetime.date(today.year if today.month >= 9 else today.year - 1, 9, 1)
    if (today - start).days < 60:
        start = datetime.date(today.year, 3, 1)
    return start


def plan_year(today: datetime.date) -> int:
    return today.year if today >= datetime.date(today.year, 1, 20) else today.year - 1


def _at(day: datetime.date, hour: int = 10, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def _jpeg(rng: random.Random) -> bytes:
    """A small photo of its own (a distinct digest: no photo is "reused")."""
    img = Image.new("RGB", (64, 48), tuple(rng.randrange(60, 230) for _ in range(3)))
    draw = ImageDraw.Draw(img)
    draw.rectangle((6, 6, 58, 42), outline=(255, 255, 255), width=2)
    draw.line((6, 42, rng.randrange(10, 58), 6), fill=(255, 255, 255), width=2)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=60)
    return buf.getvalue()


_FILE_NAMES = {"photo": "现场照片", "signin": "签到表", "minutes": "会议纪要", "document": "材料"}


def _entry(occ: Occurrence, actor, role: str, day: datetime.date, rng: random.Random) -> dict:
    duty = occ.duty
    students = getattr(occ.school, "students", None) or 600
    staff = max(10, students // 12)
    occurred_at = _at(day, rng.choice([9, 10, 14, 15]), rng.choice([0, 15, 30]))
    figures, entry = {}, {}
    for figure in duty.figures:
        if figure == "participants":
            entry[figure] = students + staff if duty.category == "drill" else min(staff, 40)
        elif figure == "evacuation_seconds":
            entry[figure] = rng.randrange(95, 260)
        elif figure == "total":
            figures[figure] = staff
        elif figure == "signed":
            figures[figure] = staff - (1 if rng.random() < 0.2 else 0)
        elif figure == "found":
            figures[figure] = rng.choice([0, 0, 0, 0, 1, 2])
    return {
        "occurrence": occ,
        "actor": actor,
        "role": role,
        "occurred_at": occurred_at,
        # entered at the end of the day (one status update per day and status)
        "created_at": min(_at(day, 18), timezone.now()),
        "summary": f"按要求完成{duty.name}。",
        "scenario": rng.choice(SCENARIOS) if duty.category == "drill" else "",
        "figures": figures,
        "files": {
            kind: [(f"{_FILE_NAMES.get(kind, kind)}.jpg", _jpeg(rng))] for kind in duty.evidence
        },
        **entry,
    }


def _a_school_day(first, last, rng, school_days) -> datetime.date:
    """A random school day in [first, last] (any day there when none is found)."""
    first = min(first, last)
    span = (last - first).days
    day = first
    for _n in range(12):
        day = first + datetime.timedelta(days=rng.randrange(span + 1))
        if school_days is None or day in school_days:
            return day
    return day


def _history(
    occurrences,
    actor,
    role,
    today,
    rng,
    *,
    diligence=ON_TIME,
    done=(),
    earliest=None,
    school_days=None,
) -> tuple[list[dict], int]:
    """Entries recording ``occurrences`` (past windows) of one owner: most on time (the
    owner's ``diligence``), some late, the rest missed. Returns (entries, late)."""
    out, late = [], 0
    yesterday = today - datetime.timedelta(days=1)
    for occ in occurrences:
        if occ.window_start > yesterday or occ.required != 1 or occ.status != "due":
            continue
        roll = 0.0 if occ.code in done else rng.random()
        window_last = min(occ.window_end, yesterday)
        if roll < diligence:
            first = max(occ.window_start, earliest or occ.window_start)
            day = (
                occ.window_start
                if occ.window_start == occ.window_end
                else _a_school_day(first, window_last, rng, school_days)
            )
        elif roll < diligence + LATE and occ.grace_end > occ.window_end < yesterday:
            day = min(occ.window_end + datetime.timedelta(days=rng.randrange(1, 4)), yesterday)
            day = min(day, occ.grace_end)
            late += 1
        else:
            continue
        out.append(_entry(occ, actor, role, day, rng))
    return out, late


def _officers(district) -> dict[int, User]:
    """school id → its safety officer: the demo's, those the hazard demo made, and for every
    other school one made here (without a password: the demo logs in as ``school`` and
    ``kg``)."""
    out: dict[int, User] = {}
    for ra in (
        RoleAssignment.objects.active()
        .filter(role=Role.SCHOOL_OFFICER, school__bureau=district)
        .select_related("user")
        .order_by("school_id", "pk")
    ):
        out.setdefault(ra.school_id, ra.user)
    missing = list(School.objects.filter(bureau=district, is_active=True).exclude(pk__in=out))
    users = []
    for school in missing:
        user = User(
            username=f"aq{school.code}",
            full_name=f"{school.name} 安全员",
            bureau=district,
            must_change_password=False,
        )
        user.set_unusable_password()
        users.append(user)
    users = User.objects.bulk_create(users, batch_size=1000)
    RoleAssignment.objects.bulk_create(
        [
            RoleAssignment(user=user, role=Role.SCHOOL_OFFICER, school=school)
            for user, school in zip(users, missing, strict=True)
        ],
        batch_size=1000,
    )
    out.update({school.pk: user for user, school in zip(users, missing, strict=True)})
    return out


def seed_demo_duties(*, district, seed: int = 16) -> dict:
    """Calendar, catalog, plan, occurrences and history of the demo district."""
    rng = random.Random(seed)
    today = timezone.localdate()
    centre = User.objects.get(username="centre")
    build_terms(district, today)
    start = catalog_start(today)
    loaded = load_default_catalog(
        bureau=district, actor=None, published_at=_at(start, 8), publish=True
    )
    year = plan_year(today)
    plan = workplan.plan_from_template(actor=centre, bureau=district, year=year).plan
    published = min(_at(datetime.date(year, 1, 20), 9), timezone.now())
    workplan.plan_publish(actor=centre, plan_id=plan.pk, now=published)
    first_day = min(start, datetime.date(year, 1, 1))
    # the demo's schools stand for schools on record long before the seed: a backfill from
    # the catalog's and the plan's start
    generated = services.generate(district, today=today, since=first_day, ahead=GENERATE_AHEAD)

    cal = selectors.calendar_for(district)
    school_days = {
        first_day + datetime.timedelta(days=n)
        for n in range((today - first_day).days + 1)
        if cal.is_school_day(first_day + datetime.timedelta(days=n))
    }
    officers = _officers(district)
    demo_school = User.objects.get(username="school").role_assignments.first().school
    demo_kg = User.objects.get(username="kg").role_assignments.first().school
    base = Occurrence.objects.filter(bureau=district).select_related("duty", "school")
    # the kindergarten's drill of the current quarter stays open: the demo records it
    keep_open = set(
        base.filter(
            school=demo_kg, code="EVAC-KG", window_start__lte=today, window_end__gte=today
        ).values_list("pk", flat=True)
    )
    # one excuse pending: the demo school's deputy meeting of this month (or another open one)
    open_now = base.filter(
        school=demo_school,
        status=OccurrenceStatus.DUE,
        window_start__lte=today,
        grace_end__gte=today,
    ).exclude(duty__frequency__in=["daily", "schooldays"])
    excuse = (
        open_now.filter(code="DEPUTY-MEET").order_by("window_start").first()
        or open_now.order_by("window_end").first()
    )
    if excuse is not None:
        keep_open.add(excuse.pk)
    entries: list[dict] = []
    late = 0
    by_school: dict[int, list] = {}
    for occ in (
        base.filter(owner_kind="school", window_start__lt=today)
        .exclude(pk__in=keep_open)
        .order_by("school_id", "window_start")
    ):
        by_school.setdefault(occ.school_id, []).append(occ)
    for school_id, occs in by_school.items():
        demo = school_id in (demo_school.pk, demo_kg.pk)
        # most schools keep up; a few are behind (who is behind is what oversight is for)
        diligence = 0.9 if demo else rng.choice([ON_TIME] * 7 + [0.6, 0.45, 0.3])
        made, was_late = _history(
            occs,
            officers[school_id],
            Role.SCHOOL_OFFICER,
            today,
            rng,
            diligence=diligence,
            earliest=start,
            school_days=school_days,
            # the demo schools' drills are all on record (the kindergarten's quarterly one too)
            done={"EVAC-PS", "EVAC-KG"} if demo else (),
        )
        entries += made
        late += was_late
    # the centre's own (network security reports, provider meetings, plan tasks)
    made, was_late = _history(
        list(base.filter(owner_kind="centre", window_start__lt=today).order_by("window_start")),
        centre,
        Role.SAFETY_CENTRE,
        today,
        rng,
    )
    entries += made
    late += was_late
    # the police station's yearly anti-terror training and the like
    police = User.objects.filter(username="police").first()
    if police is not None:
        ra = police.role_assignments.first()
        made, _late = _history(
            list(base.filter(partner_id=ra.partner_id, window_start__lt=today)),
            police,
            Role.PARTNER,
            today,
            rng,
        )
        entries += made
    records = services.record_bulk(entries=entries)
    if excuse is not None:
        services.ask_excuse(actor=officers[demo_school.pk], occurrence_id=excuse.pk, reason=EXCUSE)
    return {
        "duties": loaded.duties,
        "warnings": loaded.warnings,
        "plan": plan.pk,
        "occurrences": generated,
        "records": records,
        "late": late,
        "excuse": excuse.pk if excuse else None,
    }
