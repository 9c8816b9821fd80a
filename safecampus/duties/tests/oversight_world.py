"""A small world of hand-built occurrences for the oversight tests, relative to the ``clock``:
three months (m2 two months back, m1 last month, m0 this month) of two monthly duties.

- ``DRILL`` (each primary-and-up school, overseen by 普教一科): 甲小学 done in m2, done late in
  m1, an excuse asked in m0 (open); 丙中学 missed in m2, excused in m1, done in m0;
- ``MEET`` (普教一科's own meeting, made monthly here, overseen by nobody): m2 and m1 missed,
  m0 open.

Overall, for m2–m0: owed 8, done 2, late 1, missed 3, open 2, excused 1; rate 3/8 = 37.5 %.
The other duties of the small catalog are removed, so that the counts do not depend on the day.
"""

from __future__ import annotations

import datetime
import io
import re
from dataclasses import dataclass
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from safecampus.core.roles import Role
from safecampus.core.testing import DepartmentFactory, SchoolFactory, user_with_role
from safecampus.duties import selectors, services
from safecampus.duties.models import Duty, Occurrence
from safecampus.duties.testing import school_year_terms, small_duty_catalog


def jpeg(name="drill.jpg", colour=(200, 30, 30)):
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (32, 32), colour).save(buf, "JPEG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


def month_start(day: datetime.date, back: int) -> datetime.date:
    first = day.replace(day=1)
    for _ in range(back):
        first = (first - datetime.timedelta(days=1)).replace(day=1)
    return first


@dataclass
class Ow:
    world: object
    today: datetime.date
    m: list  # [m2 start, m1 start, m0 start]
    school_c: object
    other_dept: object
    other_dept_user: object
    other_centre: object
    c_user: object

    @property
    def start(self) -> datetime.date:
        return self.m[0]

    @property
    def end(self) -> datetime.date:
        return selectors.month_bounds(self.m[2])[1]

    def occ(self, code, owner, month: int) -> Occurrence:
        field = "school" if hasattr(owner, "stage") else "department"
        return Occurrence.objects.get(code=code, period_start=self.m[month], **{field: owner})

    @property
    def params(self) -> dict:
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}


def _at(day: datetime.date, hour: int = 10):
    from django.utils import timezone

    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def drill(ow_world, user, occ, *, occurred, now):
    return services.record(
        actor=user,
        occurrence_id=occ.pk,
        data={"occurred_at": occurred, "participants": 500, "evacuation_seconds": 180},
        files={"photo": [jpeg()], "signin": [jpeg("signin.jpg", (1, 2, 3))]},
        now=now,
    )


@pytest.fixture
def ow(world, clock):
    w = world
    today = clock.today
    small_duty_catalog(w.bureau, w.department)
    Duty.objects.exclude(code__in=["DRILL", "MEET"]).delete()
    Duty.objects.filter(code__in=["DRILL", "MEET"]).update(frequency="monthly", in_vacation=True)
    school_year_terms(w.bureau, selectors.school_year_bounds(today)[0].year)
    school_c = SchoolFactory(bureau=w.bureau, name="丙中学", stage="junior")
    other_dept = DepartmentFactory(bureau=w.bureau, name="安保科")
    other_dept_user = user_with_role(Role.DEPARTMENT_OFFICER, other_dept, username="security")
    other_centre = user_with_role(Role.SAFETY_CENTRE, w.other_bureau, username="other_centre")
    c_user = user_with_role(Role.SCHOOL_OFFICER, school_c, username="school_c")
    m = [month_start(today, 2), month_start(today, 1), month_start(today, 0)]
    services.generate(w.bureau, today=today, since=m[0])
    o = Ow(w, today, m, school_c, other_dept, other_dept_user, other_centre, c_user)
    a_user = w.users[Role.SCHOOL_OFFICER]
    dept = w.users[Role.DEPARTMENT_OFFICER]
    # 甲小学: m2 on time, m1 late (3 days into the grace), m0 an excuse asked
    day = m[0] + datetime.timedelta(days=9)
    drill(w, a_user, o.occ("DRILL", w.school_a, 0), occurred=_at(day, 9), now=_at(day))
    late = selectors.month_bounds(m[1])[1] + datetime.timedelta(days=3)
    drill(w, a_user, o.occ("DRILL", w.school_a, 1), occurred=_at(late, 9), now=_at(late))
    services.ask_excuse(
        actor=a_user,
        occurrence_id=o.occ("DRILL", w.school_a, 2).pk,
        reason="校舍维修",
        now=clock.now,
    )
    # 丙中学: m2 nothing (missed), m1 excused, m0 done
    m1_day = m[1] + datetime.timedelta(days=2)
    services.ask_excuse(
        actor=c_user, occurrence_id=o.occ("DRILL", school_c, 1).pk, reason="停课", now=_at(m1_day)
    )
    services.decide_excuse(
        actor=dept, occurrence_id=o.occ("DRILL", school_c, 1).pk, accept=True, now=_at(m1_day, 11)
    )
    now = clock.now
    drill(
        w,
        c_user,
        o.occ("DRILL", school_c, 2),
        occurred=now - datetime.timedelta(minutes=5),
        now=now,
    )
    return o


COUNT_RE = re.compile(r'data-testid="count">\D*(\d+)')
LINK_RE = re.compile(r'<a href="(/duties/occurrences/\?[^"]*)" data-testid="(\w+)"[^>]*>(\d+)</a>')


def links(body: str) -> list[tuple[str, str, int]]:
    """(url, figure, number) of every figure link of a page."""
    return [(unescape(u), k, int(n)) for u, k, n in LINK_RE.findall(body)]


def listed(client, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200, url
    return int(COUNT_RE.search(response.content.decode()).group(1))
