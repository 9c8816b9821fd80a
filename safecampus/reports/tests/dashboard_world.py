"""A hand-built register for the bureau dashboard's tests (import ``dash`` into a test module).

Today is T (Asia/Shanghai). Bureau 闵行: 普教一科 (D1, area A01) and 安保科 (D2, item A02-01);
school A (primary, one gate) and school B (kindergarten, no coordinates).

=======  ==========  ======  ====  ========  ========  =======  ==============================
name     status      school  dept  deadline  colour    level    other
=======  ==========  ======  ====  ========  ========  =======  ==============================
r1       reported    A       D1    —         —         general
a7       assigned    A       D1    T-7       red       general  campaign; reported last week
r8       rectifying  A       D1    T-8       orange    general  campaign
s30      submitted   A       D1    T-30      —         general
h31      hard        A       D1    T-31      red       general
a0       assigned    B       D1    T         yellow    general
b1       rectifying  B       D2    T-1       blue      general
m        assigned    A       D1    T+10      orange    major
c_on     closed      A       D1    T+5       —         general  found T-10, closed T
c_late   closed      B       D1    T-10      —         general  found T-20, closed T-7
w        withdrawn   A       D1    —         —         general  reported 12 weeks ago
x        assigned    other   —     T-3       red       general  another bureau
=======  ==========  ======  ====  ========  ========  =======  ==============================

Spot checks: c_on confirmed, c_late not as claimed. Accountability: an open 约谈 of D1, a closed
通报批评 of D2, and one record of the other bureau. Campaign: forms of A (submitted) and B (not
started, past the deadline: late).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

import pytest
from django.utils import timezone

from safecampus.accountability.models import AccountabilityRecord, RecordStatus
from safecampus.campaigns.models import Campaign
from safecampus.campaigns.testing import complete_rows, launched_campaign
from safecampus.core.roles import Role
from safecampus.core.testing import DepartmentFactory, user_with_role
from safecampus.hazards.models import Hazard
from safecampus.hazards.testing import hazard_at, small_catalog
from safecampus.hazards.tests.helpers import temporary_media
from safecampus.inspections import services as campaign_services
from safecampus.orgs.models import SchoolGate
from safecampus.spotchecks.models import SpotCheck, SpotCheckItem

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


@dataclass
class Dash:
    world: object
    today: datetime.date
    h: dict = field(default_factory=dict)

    def __getattr__(self, name):
        return getattr(self.world, name)


def days(today: datetime.date, n: int) -> datetime.date:
    return today + datetime.timedelta(days=n)


@pytest.fixture
def dash(clock, world, settings, tmp_path):
    temporary_media(settings, tmp_path)
    w = world
    today = timezone.localdate()
    w.other_dept = DepartmentFactory(bureau=w.bureau, name="安保科")
    w.catalog = small_catalog(w.bureau, w.department)
    items = {i.code: i for i in w.catalog.items.all()}
    items["A02-01"].responsible_departments.set([w.other_dept])
    w.other_dept_user = user_with_role(Role.DEPARTMENT_OFFICER, w.other_dept, username="dept2")
    w.school_b_user = user_with_role(Role.SCHOOL_OFFICER, w.school_b, username="school_b")
    w.centre = w.users[Role.SAFETY_CENTRE]
    d1 = w.users[Role.DEPARTMENT_OFFICER]
    users = {w.school_a: w.users[Role.SCHOOL_OFFICER], w.school_b: w.school_b_user}

    # the campaign first: its forms are generated for the schools at launch
    w.campaign = launched_campaign(w.bureau, w.catalog, w.centre, forms_due=days(today, 10))
    form_a = w.campaign.forms.get(school=w.school_a)
    campaign_services.form_save(actor=w.centre, form_id=form_a.pk, rows=complete_rows(form_a))
    campaign_services.form_submit(actor=w.centre, form_id=form_a.pk)
    Campaign.objects.filter(pk=w.campaign.pk).update(forms_due=days(today, -1))

    interim = {
        "interim_measures": "设置警戒线",
        "interim_unit": "总务处",
        "interim_person": "李老师",
        "interim_deadline": today,
    }

    def make(name, status, school, *, item="A01-01", dept=d1, deadline=None, colour="", **extra):
        hazard = hazard_at(
            status,
            school=school,
            school_user=users[school],
            dept_user=dept,
            item=items[item],
            deadline=days(today, 30),
            **(interim if item == "A01-02" else {}),
        )
        changes = {"risk_colour": colour, **extra}
        if status != "reported" and status != "withdrawn":
            changes["deadline"] = deadline
        Hazard.objects.filter(pk=hazard.pk).update(**changes)
        hazard.refresh_from_db()
        dash.h[name] = hazard
        return hazard

    dash = Dash(world=w, today=today)
    a, b = w.school_a, w.school_b
    last_week = datetime.datetime.combine(
        days(today, -today.weekday() - 7), datetime.time(0, 10), SHANGHAI
    )
    make("r1", "reported", a)
    make("a7", "assigned", a, deadline=days(today, -7), colour="red", campaign=w.campaign)
    Hazard.objects.filter(pk=dash.h["a7"].pk).update(reported_at=last_week)
    make("r8", "rectifying", a, deadline=days(today, -8), colour="orange", campaign=w.campaign)
    make("s30", "submitted", a, deadline=days(today, -30))
    make("h31", "hard", a, deadline=days(today, -31), colour="red")
    make("a0", "assigned", b, deadline=today, colour="yellow")
    make("b1", "rectifying", b, item="A02-01", dept=w.other_dept_user, deadline=days(today, -1))
    Hazard.objects.filter(pk=dash.h["b1"].pk).update(risk_colour="blue")
    make("m", "assigned", a, item="A01-02", deadline=days(today, 10), colour="orange")
    make("c_on", "closed", a, deadline=days(today, 5), found_on=days(today, -10))
    make(
        "c_late",
        "closed",
        b,
        deadline=days(today, -10),
        found_on=days(today, -20),
        closed_on=days(today, -7),
    )
    make("w", "withdrawn", a)
    Hazard.objects.filter(pk=dash.h["w"].pk).update(
        reported_at=timezone.now() - datetime.timedelta(weeks=12, days=1)
    )

    # another bureau: a catalog, a department and a school officer of its own
    other_dept = DepartmentFactory(bureau=w.other_bureau, name="外区安全科")
    small_catalog(w.other_bureau, other_dept)
    x_user = user_with_role(Role.SCHOOL_OFFICER, w.school_other, username="school_x")
    x_dept = user_with_role(Role.DEPARTMENT_OFFICER, other_dept, username="dept_x")
    w.other_centre = user_with_role(Role.SAFETY_CENTRE, w.other_bureau, username="centre_x")
    x = hazard_at("assigned", school=w.school_other, school_user=x_user, dept_user=x_dept)
    Hazard.objects.filter(pk=x.pk).update(deadline=days(today, -3), risk_colour="red")
    dash.h["x"] = x

    SchoolGate.objects.create(
        school=a, name="南门", longitude="121.381234", latitude="31.112345", coord_system="gcj02"
    )
    check = SpotCheck.objects.create(
        bureau=w.bureau,
        title="第一次抽查",
        proportion="0.1000",
        seed=1,
        ordered_by=w.users[Role.LEADERSHIP],
        ordered_role=Role.LEADERSHIP,
    )
    for name, result in (("c_on", "confirmed"), ("c_late", "not_as_claimed")):
        SpotCheckItem.objects.create(
            spot_check=check,
            hazard=dash.h[name],
            stratum="普教一科",
            claimed_status="closed",
            claim="resolved",
            result=result,
        )
    for bureau, kind, status, dept in (
        (w.bureau, "interview", RecordStatus.OPEN, w.department),
        (w.bureau, "criticism", RecordStatus.CLOSED, w.other_dept),
        (w.other_bureau, "interview", RecordStatus.OPEN, other_dept),
    ):
        AccountabilityRecord.objects.create(
            bureau=bureau,
            kind=kind,
            status=status,
            basis="other",
            department=dept,
            reason="测试",
            opened_by=w.centre,
        )
    return dash
