"""Reminders and the daily digest: reminders recorded once however often the job runs, one
digest per person per day folding several notices, with a bounded number of queries."""

import datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from safecampus.notifications.models import Notice, NoticeKind, Notification
from safecampus.notifications.services import daily_run, digest_fold, notify, reminders_record
from safecampus.notifications.tasks import notifications_daily
from safecampus.weekly.models import ReportStatus, WeeklyReport

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

APR = lambda d: datetime.date(2026, 4, d)  # noqa: E731


def _keys(user):
    return sorted(Notice.objects.filter(recipient=user).values_list("kind", "key"))


def _submitted(wk, week_start, due):
    return WeeklyReport.objects.create(
        campaign=wk.campaign,
        bureau=wk.bureau,
        department=wk.department,
        week_start=week_start,
        week_end=week_start + datetime.timedelta(days=6),
        due_on=due,
        status=ReportStatus.SUBMITTED,
        created_by=wk.dept_user,
        submitted_by=wk.dept_user,
        submitted_at=timezone.now(),
    )


def test_due_tomorrow_and_overdue_reminders_are_recorded_once(wk):
    c, d = wk.campaign.pk, wk.department.pk
    # Thursday 04-09: the second week's report is due tomorrow, the first one's is overdue
    assert reminders_record(today=APR(9)) == 4  # 2 reminders × 2 officers
    expected = [
        (NoticeKind.REPORT_DUE, f"report_due:{c}:{d}:2026-04-06"),
        (NoticeKind.REPORT_OVERDUE, f"report_overdue:{c}:{d}:2026-03-30"),
    ]
    assert _keys(wk.dept_user) == _keys(wk.dept_user2) == expected
    due = Notice.objects.get(recipient=wk.dept_user, kind=NoticeKind.REPORT_DUE)
    assert due.url == f"/weekly/campaigns/{c}/weeks/2026-04-06/"
    assert "2026-04-10" in due.text
    assert reminders_record(today=APR(9)) == 0
    daily_run(today=APR(9))
    daily_run(today=APR(10))  # the due date itself: nothing new
    assert _keys(wk.dept_user) == expected
    # the next week: the second report is overdue now, a new reminder; the first is not repeated
    daily_run(today=APR(13))
    assert _keys(wk.dept_user) == expected + [
        (NoticeKind.REPORT_OVERDUE, f"report_overdue:{c}:{d}:2026-04-06")
    ]
    # nobody else is reminded
    assert set(Notice.objects.values_list("recipient__username", flat=True)) == {"dept", "dept2"}


def test_submitted_reports_are_not_reminded(wk):
    _submitted(wk, APR(6) - datetime.timedelta(days=7), APR(3))
    _submitted(wk, APR(6), APR(10))
    assert reminders_record(today=APR(9)) == 0
    assert not Notice.objects.exists()


def test_one_digest_per_person_per_day_folding_several_notices(wk):
    notify([wk.dept_user, wk.centre], kind=NoticeKind.FORM_RETURNED, text="甲小学排查表退回")
    notify([wk.dept_user], kind=NoticeKind.ACCOUNTABILITY_OPENED, text="约谈：普教一科")
    daily_run(today=APR(9))  # + 2 reminders for each officer

    digest = Notification.objects.get(recipient=wk.dept_user)
    assert digest.date == APR(9)
    assert digest.notices.count() == 4
    assert Notification.objects.get(recipient=wk.centre).notices.count() == 1
    assert Notification.objects.get(recipient=wk.dept_user2).notices.count() == 2
    assert not Notice.objects.filter(digest__isnull=True).exists()

    # read, then more notices the same day: folded into the same digest, unread again
    Notification.objects.filter(pk=digest.pk).update(read_at=timezone.now())
    notify([wk.dept_user], kind=NoticeKind.SPOT_CHECK_ASSIGNED, text="抽查任务")
    daily_run(today=APR(9))
    digest.refresh_from_db()
    assert Notification.objects.filter(recipient=wk.dept_user).count() == 1
    assert digest.notices.count() == 5 and digest.read_at is None

    # the next day, a new digest for what is new only
    notify([wk.dept_user], kind=NoticeKind.FORM_RETURNED, text="乙幼儿园排查表退回")
    digest_fold(day=APR(10))
    assert list(
        Notification.objects.filter(recipient=wk.dept_user).values_list("date", flat=True)
    ) == [APR(10), APR(9)]
    assert Notification.objects.get(recipient=wk.dept_user, date=APR(10)).notices.count() == 1


def test_folding_takes_the_same_queries_for_many_notices(wk):
    def queries(n_people, n_each):
        people = [wk.dept_user, wk.dept_user2, wk.centre][:n_people]
        for i in range(n_each):
            notify(people, kind=NoticeKind.FORM_RETURNED, text=f"第{i}条")
        with CaptureQueriesContext(connection) as ctx:
            digest_fold(day=APR(9))
        return len(ctx)

    few = queries(1, 1)
    Notification.objects.all().delete()
    assert queries(3, 10) == few
    assert Notice.objects.filter(digest__isnull=True).count() == 0


def test_command_and_periodic_task_run_the_same_job(wk, capsys):
    call_command("notifications_digest", "--date", "2026-04-09")
    assert "4 reminders" in capsys.readouterr().out
    assert Notification.objects.filter(date=APR(9)).count() == 2
    # the Huey task fires daily at 07:30 (the consumer's time zone) and runs the same job
    assert notifications_daily.task_class().validate_datetime(datetime.datetime(2026, 4, 9, 7, 30))
    assert not notifications_daily.task_class().validate_datetime(
        datetime.datetime(2026, 4, 9, 7, 31)
    )
    notify([wk.centre], kind=NoticeKind.FORM_RETURNED, text="退回")
    result = notifications_daily.call_local()
    assert result["folded"] >= 1
    assert not Notice.objects.filter(digest__isnull=True).exists()
    assert Notification.objects.filter(recipient=wk.centre, date=timezone.localdate()).exists()
