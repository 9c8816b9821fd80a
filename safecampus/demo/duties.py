"""Recurring duties of the demo district (常态化工作): a Shanghai school calendar, the default
duty catalog, this year's work plan from 003's task table, the occurrences owed up to today and
a realistic history recorded through the services.

Everything is relative to the real date the demo is seeded on (``timezone.localdate()``), so
it works on any day of the year: the catalog is published on 1 September of the current school
year (1 March when the school year began less than two months ago), the plan is the one of the
year whose 20 January has passed. Most drills and meetings of the schools that have a safety
officer are done (with a small photo and their figures), some late, some missed; one excuse
is pending; the kindergarten's drill of the current quarter is left open for the demo to
record.

No 2027 holiday is entered: chinese-calendar knows up to 2026, and the State Council's 2027
arrangement is not taken as known here; the calendar page warns about the missing year.
"""

from __future__ import annotations

import datetime
import io
import random

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Q
from django.utils import timezone
from PIL import Image, ImageDraw

from safecampus.accounts.models import RoleAssignment, User
from safecampus.core.roles import Role
from safecampus.duties import selectors, services, workplan
from safecampus.duties.choices import OccurrenceStatus, TermKind
from safecampus.duties.loading import load_default_catalog
from safecampus.duties.models import Occurrence, SchoolTerm
from safecampus.duties.schoolcal import SchoolCalendar, library_knows

#: schools (with a safety officer) whose history is recorded, at most
HISTORY_SCHOOLS = 8
#: the share of past occurrences recorded on time and late; the rest is missed
ON_TIME, LATE = 0.80, 0.08
#: days ahead generated now (the daily job and the owners' pages generate the rest)
GENERATE_AHEAD = 14
#: daily duties are recorded for the two demo schools only (a history of every school day of
#: every school would be tens of thousands of records)
DAILY_DAYS = 15

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


def _jpeg(rng: random.Random, name: str) -> SimpleUploadedFile:
    img = Image.new("RGB", (96, 72), tuple(rng.randrange(60, 230) for _ in range(3)))
    ImageDraw.Draw(img).rectangle((8, 8, 88, 64), outline=(255, 255, 255), width=3)
    ImageDraw.Draw(img).line((8, 64, rng.randrange(20, 88), 8), fill=(255, 255, 255), width=2)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=60)
    return SimpleUploadedFile(f"{name}.jpg", buf.getvalue(), content_type="image/jpeg")


_FILE_NAMES = {"photo": "现场照片", "signin": "签到表", "minutes": "会议纪要", "document": "材料"}


def _data(occ: Occurrence, day: datetime.date, rng: random.Random) -> dict:
    duty = occ.duty
    students = getattr(occ.school, "students", None) or 600
    data = {
        "occurred_at": _at(day, rng.choice([9, 10, 14, 15]), rng.choice([0, 15, 30])),
        "summary": f"按要求完成{duty.name}。",
    }
    if duty.category == "drill":
        data["scenario"] = rng.choice(SCENARIOS)
    for figure in duty.figures:
        if figure == "participants":
            data[figure] = students + students // 12 if duty.category == "drill" else 25
        elif figure == "evacuation_seconds":
            data[figure] = rng.randrange(95, 260)
        elif figure == "total":
            data[figure] = max(10, students // 12)
        elif figure == "signed":
            data[figure] = max(10, students // 12) - (1 if rng.random() < 0.2 else 0)
        elif figure == "found":
            data[figure] = rng.choice([0, 0, 0, 1, 2])
    return data


def _files(occ: Occurrence, rng: random.Random) -> dict:
    return {kind: [_jpeg(rng, _FILE_NAMES.get(kind, kind))] for kind in occ.duty.evidence}


def _record(actor, occ: Occurrence, day: datetime.date, rng: random.Random) -> bool:
    data = _data(occ, day, rng)
    moment = min(data["occurred_at"] + datetime.timedelta(hours=3), timezone.now())
    if data["occurred_at"] > moment:
        return False
    for _n in range(occ.required - occ.recorded):
        services.record(
            actor=actor, occurrence_id=occ.pk, data=data, files=_files(occ, rng), now=moment
        )
        data = {**data, "occurred_at": data["occurred_at"] + datetime.timedelta(minutes=1)}
    return True


def _a_school_day(first, last, rng, cal) -> datetime.date:
    """A random school day in [first, last] (any day there when none is)."""
    first = min(first, last)
    days = [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]
    school_days = [d for d in days if cal is None or cal.is_school_day(d)]
    return rng.choice(school_days or days)


def _history(
    occurrences, actor, today, rng, *, keep_open=(), done=(), earliest=None, cal=None
) -> tuple[int, int]:
    """Record ``occurrences`` (past windows) of one owner: most on time, some late, the rest
    missed. Returns (records, late)."""
    made = late = 0
    yesterday = today - datetime.timedelta(days=1)
    for occ in occurrences:
        if occ.pk in keep_open or occ.window_start > yesterday:
            continue
        roll = 0.0 if occ.code in done else rng.random()
        window_last = min(occ.window_end, yesterday)
        if roll < ON_TIME:
            day = _a_school_day(
                max(occ.window_start, earliest or occ.window_start), window_last, rng, cal
            )
        elif roll < ON_TIME + LATE and occ.grace_end > occ.window_end < yesterday:
            day = min(occ.window_end + datetime.timedelta(days=rng.randrange(1, 4)), yesterday)
            day = min(day, occ.grace_end)
            late += 1
        else:
            continue
        made += _record(actor, occ, day, rng)
    return made, late


def _officers(district) -> dict[int, User]:
    """school id → its safety officer (the demo's and those the hazard demo made)."""
    out: dict[int, User] = {}
    for ra in (
        RoleAssignment.objects.active()
        .filter(role=Role.SCHOOL_OFFICER, school__bureau=district)
        .select_related("user", "school")
        .order_by("school_id", "pk")
    ):
        out.setdefault(ra.school_id, ra.user)
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
    generated = services.generate(district, today=today, ahead=GENERATE_AHEAD)

    cal = selectors.calendar_for(district)
    officers = _officers(district)
    demo_school = User.objects.get(username="school").role_assignments.first().school
    demo_kg = User.objects.get(username="kg").role_assignments.first().school
    chosen = [demo_school.pk, demo_kg.pk] + [
        pk for pk in officers if pk not in (demo_school.pk, demo_kg.pk)
    ][: HISTORY_SCHOOLS - 2]
    base = Occurrence.objects.filter(bureau=district).select_related("duty", "school")
    # the kindergarten's drill of the current quarter stays open: the demo records it
    keep_open = set(
        base.filter(
            school=demo_kg, code="EVAC-KG", window_start__lte=today, window_end__gte=today
        ).values_list("pk", flat=True)
    )
    # one excuse pending: the demo school's deputy meeting of this month
    excuse = (
        base.filter(
            school=demo_school,
            code="DEPUTY-MEET",
            status=OccurrenceStatus.DUE,
            window_start__lte=today,
            grace_end__gte=today,
        )
        .order_by("window_start")
        .first()
    )
    if excuse is None:
        excuse = (
            base.filter(
                school=demo_school,
                status=OccurrenceStatus.DUE,
                window_start__lte=today,
                grace_end__gte=today,
            )
            .exclude(duty__frequency__in=["daily", "schooldays"])
            .order_by("window_end")
            .first()
        )
    if excuse is not None:
        keep_open.add(excuse.pk)
    records = late = 0
    daily_from = today - datetime.timedelta(days=DAILY_DAYS)
    for school_id in chosen:
        actor = officers.get(school_id)
        if actor is None:
            continue
        qs = base.filter(school_id=school_id, window_start__lt=today).exclude(
            duty__frequency__in=["daily", "schooldays"]
        )
        if school_id in (demo_school.pk, demo_kg.pk):
            qs = base.filter(school_id=school_id, window_start__lt=today).filter(
                ~Q(duty__frequency__in=["daily", "schooldays"]) | Q(window_start__gte=daily_from)
            )
        made, was_late = _history(
            list(qs.order_by("window_start")),
            actor,
            today,
            rng,
            keep_open=keep_open,
            earliest=start,
            cal=cal,
            # the demo schools' drills are all on record (the kindergarten's quarterly one too)
            done={"EVAC-PS", "EVAC-KG"} if school_id in (demo_school.pk, demo_kg.pk) else (),
        )
        records += made
        late += was_late
    # the centre's own (network security reports, provider meetings, plan tasks)
    made, was_late = _history(
        list(base.filter(owner_kind="centre", window_start__lt=today).order_by("window_start")),
        centre,
        today,
        rng,
    )
    records += made
    late += was_late
    # the police station's yearly anti-terror training
    police = User.objects.filter(username="police").first()
    if police is not None:
        ra = police.role_assignments.first()
        made, _late = _history(
            list(base.filter(partner_id=ra.partner_id, window_start__lt=today)),
            police,
            today,
            rng,
        )
        records += made
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
