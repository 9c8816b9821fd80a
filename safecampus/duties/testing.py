"""Test builders for recurring duties: a small published catalog, a school year's terms."""

from __future__ import annotations

import datetime

from django.utils import timezone

from .choices import DutyCategory, Evidence, Figure, TermKind, VersionStatus
from .models import Duty, DutyCatalogVersion, SchoolTerm


def school_year_terms(bureau, first_year: int) -> list[SchoolTerm]:
    """Terms of the school years ``first_year-1``–``first_year`` and ``first_year``–
    ``first_year+1`` (autumn 1 Sept – mid Jan, spring mid Feb – 30 June)."""
    out = []
    for year in (first_year - 1, first_year):
        out.append(
            SchoolTerm.objects.create(
                bureau=bureau,
                school_year=f"{year}-{year + 1}",
                kind=TermKind.AUTUMN,
                start=datetime.date(year, 9, 1),
                end=datetime.date(year + 1, 1, 16),
            )
        )
        out.append(
            SchoolTerm.objects.create(
                bureau=bureau,
                school_year=f"{year}-{year + 1}",
                kind=TermKind.SPRING,
                start=datetime.date(year + 1, 2, 16),
                end=datetime.date(year + 1, 6, 30),
            )
        )
    return out


def duty(version, code, name, frequency, **kw) -> Duty:
    departments = kw.pop("owed_by_departments", ())
    d = Duty.objects.create(
        version=version,
        bureau_id=version.bureau_id,
        code=code,
        name=name,
        frequency=frequency,
        **kw,
    )
    if departments:
        d.owed_by_departments.set(departments)
    return d


def small_duty_catalog(bureau, department, *, published_at=None) -> DutyCatalogVersion:
    """A published catalog: ``DRILL`` (monthly evacuation drill, primary and up, photos and a
    sign-in sheet, participants and evacuation time, 5 days' grace), ``KDRILL`` (the
    kindergartens' quarterly drill, photos), ``CHECK`` (daily hazard check on school days),
    ``MEET`` (the department's own quarterly meeting), ``WATER`` (health partners' drinking-water
    test before term), ``DAY512`` (5·12 themed day, 3 days either side), ``BOARD`` (boarding
    schools' termly night drill)."""
    version = DutyCatalogVersion.objects.create(
        bureau=bureau,
        number=1,
        title="常态化工作清单",
        status=VersionStatus.PUBLISHED,
        published_at=published_at or timezone.make_aware(datetime.datetime(2025, 8, 1)),
    )
    primary_up = ["primary", "junior", "senior", "nine_year", "twelve_year", "complete_secondary"]
    duty(
        version,
        "DRILL",
        "应急疏散演练",
        "monthly",
        category=DutyCategory.DRILL,
        stages=primary_up,
        evidence=[Evidence.PHOTO, Evidence.SIGNIN],
        figures=[Figure.PARTICIPANTS, Figure.EVACUATION_SECONDS],
        grace_days=5,
        overseeing_department=department,
        source="002 §二.1；003 §17",
    )
    duty(
        version,
        "KDRILL",
        "幼儿园应急疏散演练",
        "quarterly",
        category=DutyCategory.DRILL,
        stages=["kindergarten"],
        evidence=[Evidence.PHOTO],
        figures=[Figure.PARTICIPANTS],
        grace_days=5,
        overseeing_department=department,
        source="003 §17",
    )
    duty(
        version,
        "CHECK",
        "每日安全隐患排查",
        "schooldays",
        category=DutyCategory.CHECK,
        overseeing_department=department,
        grace_days=1,
        source="004 §三(一)",
    )
    duty(
        version,
        "MEET",
        "科室安全工作例会",
        "quarterly",
        category=DutyCategory.MEETING,
        owed_by_schools=False,
        owed_by_departments=[department],
        evidence=[Evidence.MINUTES],
        source="003 §1",
    )
    duty(
        version,
        "WATER",
        "开学前饮用水检测",
        "before-term",
        category=DutyCategory.CHECK,
        owed_by_schools=False,
        partner_kinds=["health", "police"],
        window_days=30,
        overseeing_department=department,
        source="004 §三(四)",
    )
    duty(
        version,
        "DAY512",
        "5·12全国防灾减灾日主题教育",
        "on 05-12",
        category=DutyCategory.EDUCATION,
        window_days=3,
        overseeing_department=department,
        source="003 §15",
    )
    duty(
        version,
        "BOARD",
        "寄宿生夜间应急疏散演练",
        "termly",
        category=DutyCategory.DRILL,
        boarding_only=True,
        overseeing_department=department,
        source="003 §5",
    )
    return version
