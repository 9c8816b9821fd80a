"""The weekly report's lifecycle table, pair by pair and role by role, against the real
services, and the report page's buttons against the table."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from safecampus.core.lifecycle import Lifecycle
from safecampus.core.roles import Role
from safecampus.core.testing import lifecycle_cases, user_with_role
from safecampus.weekly import services
from safecampus.weekly.lifecycle import WEEKLY_REPORT
from safecampus.weekly.models import ReportStatus, WeeklyReport

from .test_views import draft

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

#: the roles that might be given a report to act on: its department's officer, the bureau's
#: readers (who see it once submitted) and a role that does not reach reports at all
ROLES = [
    Role.DEPARTMENT_OFFICER,
    Role.SAFETY_CENTRE,
    Role.LEADERSHIP,
    Role.INSPECTOR,
    Role.SCHOOL_OFFICER,
]
SERVICES = {"save": services.weekly_report_save, "submit": services.weekly_report_submit}


def test_the_table():
    assert isinstance(WEEKLY_REPORT, Lifecycle)
    assert WEEKLY_REPORT.pairs() == {("draft", "draft"), ("draft", "submitted")}
    assert WEEKLY_REPORT.actions() == ["save", "submit"]


def _actor(wk, role):
    if role == Role.DEPARTMENT_OFFICER:
        return wk.dept_user
    return wk.users.get(role) or user_with_role(role, wk.bureau)


@pytest.mark.parametrize(
    ("status", "action", "role", "allowed"), list(lifecycle_cases(WEEKLY_REPORT, ROLES))
)
def test_every_status_action_and_role(wk, status, action, role, allowed):
    report = draft(wk)
    if status == ReportStatus.SUBMITTED:
        services.weekly_report_submit(
            actor=wk.dept_user, report_id=report.pk, data={"progress": "p"}
        )
    before = WeeklyReport.objects.get(pk=report.pk)
    events = before.events.count()
    call = SERVICES[action]
    actor = _actor(wk, role)
    if allowed:
        done = call(actor=actor, report_id=report.pk, data={"progress": "新进展"})
        assert done.status == WEEKLY_REPORT.find(action, status).leads(status)
        assert done.progress == "新进展"
        last = done.events.order_by("-id").first()
        assert (last.action, last.actor_id, last.actor_role) == (action, actor.pk, role)
        assert done.events.count() == events + 1
    else:
        with pytest.raises(ValidationError) as exc:
            call(actor=actor, report_id=report.pk, data={"progress": "新进展"})
        # a report outside the role's reach, or a submitted one, is refused as it always was
        assert exc.value.code in ("forbidden", "submitted")
        if status == ReportStatus.SUBMITTED and role == Role.DEPARTMENT_OFFICER:
            assert exc.value.code == "submitted"
        after = WeeklyReport.objects.get(pk=report.pk)
        assert (after.status, after.progress) == (before.status, before.progress)
        assert after.events.count() == events


@pytest.mark.parametrize("submit", [False, True])
def test_the_buttons_are_the_tables(wk, client_for, submit):
    report = draft(wk)
    if submit:
        services.weekly_report_submit(
            actor=wk.dept_user, report_id=report.pk, data={"progress": "p"}
        )
        report.refresh_from_db()
    url = reverse("weekly:report_detail", args=[report.pk])
    for user in (wk.dept_user, wk.centre):
        response = client_for(user).get(url)
        if response.status_code == 404:  # the centre does not see a draft
            assert not submit and user == wk.centre
            continue
        page = response.content.decode()
        allowed = WEEKLY_REPORT.allowed(
            report, [Role.DEPARTMENT_OFFICER] if user == wk.dept_user else [Role.SAFETY_CENTRE]
        )
        for action in WEEKLY_REPORT.actions():
            assert (f'data-testid="report-{action}"' in page) == (action in allowed), (user, action)
