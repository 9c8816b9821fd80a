"""A hazard's deadline in three days reminds its department and reaches the school's group."""

import datetime

import pytest

from safecampus.core.roles import Role
from safecampus.hazards.reminders import hazard_deadline_reminders
from safecampus.notifications import registry
from safecampus.notifications.models import Notice, NoticeKind
from safecampus.notifications.services import reminders_record

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


def test_hazards_register_their_reminders():
    assert hazard_deadline_reminders in registry.providers()


def test_exactly_three_days_before_the_deadline(reg):
    today = datetime.date(2026, 11, 18)
    in3 = reg.make("rectifying", deadline=today + datetime.timedelta(days=3))
    in4 = reg.make("rectifying", deadline=today + datetime.timedelta(days=4))
    reg.make("rectifying", deadline=today + datetime.timedelta(days=2))
    reg.make("closed", deadline=today + datetime.timedelta(days=3))
    found = hazard_deadline_reminders(today=today)
    assert [r.key for r in found] == [f"hazard_due:{in3.pk}:2026-11-21"]
    r = found[0]
    assert (r.kind, r.department_id, r.school_id, r.bureau_id) == (
        NoticeKind.HAZARD_DUE,
        in3.responsible_department_id,
        reg.school_a.pk,
        reg.bureau.pk,
    )
    assert r.url == in3.get_absolute_url()
    assert in3.code in r.text and "2026-11-21" in r.text
    # a day later the first is two days away, the one of four days three
    later = hazard_deadline_reminders(today=today + datetime.timedelta(days=1))
    assert [r.key for r in later] == [f"hazard_due:{in4.pk}:2026-11-22"]


def test_across_the_month_end_and_new_year(reg):
    jan = reg.make("assigned", deadline=datetime.date(2027, 1, 2))
    mar = reg.make("assigned", deadline=datetime.date(2027, 3, 2))
    assert [r.key for r in hazard_deadline_reminders(today=datetime.date(2026, 12, 30))] == [
        f"hazard_due:{jan.pk}:2027-01-02"
    ]
    # 2027 is no leap year: 02-27 + 3 days is 03-02
    assert [r.key for r in hazard_deadline_reminders(today=datetime.date(2027, 2, 27))] == [
        f"hazard_due:{mar.pk}:2027-03-02"
    ]


def test_the_department_officers_are_reminded_once(reg):
    today = datetime.date(2026, 11, 18)
    hazard = reg.make("rectifying", deadline=today + datetime.timedelta(days=3))
    reminders_record(today=today)
    reminders_record(today=today)
    dept_user = reg.users[Role.DEPARTMENT_OFFICER]
    notices = Notice.objects.filter(kind=NoticeKind.HAZARD_DUE)
    assert list(notices.values_list("recipient_id", flat=True)) == [dept_user.pk]
    assert notices.get().url == hazard.get_absolute_url()


def test_a_fixed_number_of_queries(reg, django_assert_num_queries):
    today = datetime.date(2026, 11, 18)
    for _ in range(5):
        reg.make("rectifying", deadline=today + datetime.timedelta(days=3))
    reg.make("rectifying", school=reg.school_b, deadline=today + datetime.timedelta(days=3))
    with django_assert_num_queries(1):
        found = hazard_deadline_reminders(today=today)
    assert len(found) == 6
    assert {r.school_id for r in found} == {reg.school_a.pk, reg.school_b.pk}
