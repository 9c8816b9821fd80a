"""Self-inspection forms due in three days and tomorrow remind the school's staff and reach the
school's group; a submitted form reminds nobody."""

import datetime

import pytest

from safecampus.campaigns.models import Campaign
from safecampus.core.roles import Role
from safecampus.inspections.choices import FormStatus
from safecampus.inspections.models import InspectionForm
from safecampus.inspections.reminders import form_due_reminders
from safecampus.notifications import registry
from safecampus.notifications.models import NoticeKind

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

DUE = datetime.date(2026, 3, 20)


def _keys(today):
    return sorted(r.key for r in form_due_reminders(today=today))


def test_inspections_register_their_reminders():
    assert form_due_reminders in registry.providers()


def test_three_days_before_and_the_day_before_only(camp):
    a, b = camp.form_a.pk, camp.form_b.pk
    assert _keys(DUE - datetime.timedelta(days=4)) == []
    assert _keys(DUE - datetime.timedelta(days=3)) == sorted(
        [f"form_due:{a}:2026-03-20:3", f"form_due:{b}:2026-03-20:3"]
    )
    assert _keys(DUE - datetime.timedelta(days=2)) == []
    assert _keys(DUE - datetime.timedelta(days=1)) == sorted(
        [f"form_due:{a}:2026-03-20:1", f"form_due:{b}:2026-03-20:1"]
    )
    assert _keys(DUE) == []


def test_the_schools_staff_and_group_and_not_a_submitted_form(camp):
    InspectionForm.objects.filter(pk=camp.form_b.pk).update(status=FormStatus.SUBMITTED)
    InspectionForm.objects.filter(pk=camp.form_a.pk).update(status=FormStatus.RETURNED)
    (r,) = form_due_reminders(today=DUE - datetime.timedelta(days=1))
    assert (r.kind, r.school_id, r.bureau_id, r.department_id) == (
        NoticeKind.FORM_DUE,
        camp.school_a.pk,
        camp.bureau.pk,
        None,
    )
    assert set(r.recipient_ids) == {
        camp.users[Role.SCHOOL_OFFICER].pk,
        camp.users[Role.PRINCIPAL].pk,
    }
    assert r.url == camp.form_a.get_absolute_url()
    assert "2026-03-20" in r.text


def test_tomorrow_across_new_year_and_a_month_end(camp):
    Campaign.objects.filter(pk=camp.campaign.pk).update(forms_due=datetime.date(2027, 1, 1))
    assert len(form_due_reminders(today=datetime.date(2026, 12, 31))) == 2
    assert len(form_due_reminders(today=datetime.date(2026, 12, 29))) == 2
    assert form_due_reminders(today=datetime.date(2026, 12, 30)) == []
    Campaign.objects.filter(pk=camp.campaign.pk).update(forms_due=datetime.date(2026, 3, 1))
    assert len(form_due_reminders(today=datetime.date(2026, 2, 28))) == 2
    assert len(form_due_reminders(today=datetime.date(2026, 2, 26))) == 2


def test_a_closed_campaign_reminds_nobody(camp):
    Campaign.objects.filter(pk=camp.campaign.pk).update(status="closed")
    assert form_due_reminders(today=DUE - datetime.timedelta(days=1)) == []


def test_two_queries_whatever_the_number_of_forms(camp, django_assert_num_queries):
    with django_assert_num_queries(2):
        found = form_due_reminders(today=DUE - datetime.timedelta(days=3))
    assert len(found) == 2
