"""Opening, saving and submitting a department's report; freezing; lateness; refusals."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from docx import Document
from openpyxl import load_workbook

from safecampus.hazards.models import Hazard
from safecampus.weekly import services
from safecampus.weekly.documents import docx_bytes, report_document, xlsx_bytes
from safecampus.weekly.models import ReportStatus, WeeklyReport, WeeklyReportEvent
from safecampus.weekly.selectors import figures_of

from .conftest import at_noon, place

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


def local(day, hour, minute):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def open_report(w, week, *, user=None, department=None, now=None):
    return services.weekly_report_open(
        actor=user or w.dept_user,
        campaign=w.campaign,
        department=department or w.department,
        week_start=week.start,
        now=now or at_noon(week.start),
    )


def docx_text(content: bytes) -> str:
    doc = Document(io.BytesIO(content))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def xlsx_values(content: bytes) -> list:
    ws = load_workbook(io.BytesIO(content)).active
    return [v for row in ws.iter_rows(values_only=True) for v in row if v is not None]


def test_open_save_submit_write_events(wk):
    w = wk
    report = open_report(w, w.last_week)
    assert open_report(w, w.last_week).pk == report.pk  # opening again continues the draft
    services.weekly_report_save(
        actor=w.dept_user,
        report_id=report.pk,
        data={"progress": " 排查整改推进中 "},
        now=local(w.last_week.due, 9, 0),
    )
    services.weekly_report_submit(
        actor=w.dept_user,
        report_id=report.pk,
        data={"problems": "经费不足", "next_plan": "完成消防整改"},
        now=at_noon(w.last_week.due),
    )
    report.refresh_from_db()
    assert (report.status, report.progress, report.problems) == (
        "submitted",
        "排查整改推进中",
        "经费不足",
    )
    assert report.due_on == w.last_week.due and report.week_end == w.last_week.end
    events = list(report.events.values_list("action", "actor_id", "actor_role"))
    assert events == [
        ("create", w.dept_user.pk, "department_officer"),
        ("save", w.dept_user.pk, "department_officer"),
        ("submit", w.dept_user.pk, "department_officer"),
    ]
    assert report.events.get(action="save").data == {
        "changed": {"progress": ["", "排查整改推进中"]}
    }


@pytest.mark.parametrize(
    ("at", "late"),
    [
        (lambda due: local(due, 0, 0), False),
        (lambda due: local(due, 23, 59), False),  # the whole due day counts (Shanghai)
        (lambda due: local(due + datetime.timedelta(1), 0, 1), True),
        (lambda due: local(due + datetime.timedelta(2), 9, 0), True),
    ],
)
def test_lateness_by_the_shanghai_date(wk, at, late):
    w = wk
    report = open_report(w, w.last_week)
    now = at(w.last_week.due)
    services.weekly_report_submit(
        actor=w.dept_user, report_id=report.pk, data={"progress": "进展"}, now=now
    )
    report.refresh_from_db()
    assert (report.late, report.submitted_at) == (late, now)
    assert report.events.get(action="submit").data["late"] is late


def test_submission_freezes_the_figures_and_exports(wk):
    w = wk
    week = w.last_week
    h1 = place(w, "reported", reported_on=week.start)
    place(w, "hard", reported_on=week.start)
    report = open_report(w, week)
    services.weekly_report_submit(
        actor=w.dept_user,
        report_id=report.pk,
        data={"progress": "整改推进"},
        now=at_noon(week.due),
    )
    report.refresh_from_db()
    frozen = report.figures
    assert frozen["totals"]["total"] == 2 and frozen["totals"]["hard"] == 1
    word, excel = (
        docx_text(docx_bytes(report_document(report, figures_of(report)))),
        xlsx_values(xlsx_bytes(report_document(report, figures_of(report)))),
    )
    # the register changes afterwards: one more hazard, one closed
    place(w, "reported", reported_on=week.start + datetime.timedelta(1))
    Hazard.objects.filter(pk=h1.pk).update(status="closed", closed_on=week.end)
    report = WeeklyReport.objects.select_related("campaign", "department").get(pk=report.pk)
    assert report.figures == frozen
    assert figures_of(report) == frozen
    assert docx_text(docx_bytes(report_document(report, figures_of(report)))) == word
    assert xlsx_values(xlsx_bytes(report_document(report, figures_of(report)))) == excel
    # while a draft of the same week from another angle would read the live register
    live = services.report_figures(
        campaign=w.campaign, department=w.department, week=week, as_of=w.today
    )
    assert live["totals"]["total"] == 3 and live["totals"]["closed"] == 1


def test_change_since_the_previous_submitted_report(wk):
    w = wk
    first, second = w.weeks[0], w.weeks[1]
    place(w, "reported", reported_on=first.start)
    r1 = open_report(w, first)
    services.weekly_report_submit(
        actor=w.dept_user, report_id=r1.pk, data={"progress": "a"}, now=at_noon(first.due)
    )
    place(w, "reported", reported_on=second.start)
    place(w, "hard", reported_on=second.start)
    r2 = open_report(w, second)
    services.weekly_report_submit(
        actor=w.dept_user, report_id=r2.pk, data={"progress": "b"}, now=at_noon(second.due)
    )
    r2.refresh_from_db()
    assert r2.figures["previous_week"] == first.start.isoformat()
    assert r2.figures["change"] == {
        "new": 1,
        "closed": 0,
        "in_progress": 1,
        "overdue": 0,
        "hard": 1,
        "resolved": 0,
        "total": 2,
        "major": 0,
    }


def test_submitted_report_no_longer_changes(wk):
    w = wk
    report = open_report(w, w.last_week)
    services.weekly_report_submit(actor=w.dept_user, report_id=report.pk, data={"progress": "x"})
    events = WeeklyReportEvent.objects.count()
    for service in (services.weekly_report_save, services.weekly_report_submit):
        with pytest.raises(ValidationError) as exc:
            service(actor=w.dept_user, report_id=report.pk, data={"progress": "改写"})
        assert exc.value.code == "submitted"
    report.refresh_from_db()
    assert report.progress == "x" and WeeklyReportEvent.objects.count() == events


def test_submit_needs_the_progress(wk):
    w = wk
    report = open_report(w, w.last_week)
    with pytest.raises(ValidationError) as exc:
        services.weekly_report_submit(actor=w.dept_user, report_id=report.pk, data={})
    assert "progress" in exc.value.message_dict
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT and report.figures == {}
    assert list(report.events.values_list("action", flat=True)) == ["create"]


@pytest.mark.parametrize(
    ("who", "code"),
    [("other_dept_user", "forbidden"), ("centre", "forbidden"), ("school_user", "forbidden")],
)
def test_only_the_departments_officer_writes(wk, who, code):
    w = wk
    with pytest.raises(ValidationError) as exc:
        open_report(w, w.last_week, user=getattr(w, who))
    assert exc.value.code == code
    report = open_report(w, w.last_week)
    with pytest.raises(ValidationError) as exc:
        services.weekly_report_save(
            actor=getattr(w, who), report_id=report.pk, data={"progress": "x"}
        )
    assert exc.value.code == "forbidden"
    assert WeeklyReport.objects.count() == 1 and report.events.count() == 1


def test_open_refuses_future_weeks_and_non_weeks(wk):
    w = wk
    with pytest.raises(ValidationError) as exc:
        open_report(w, w.weeks[-1], now=at_noon(w.today))
    assert exc.value.code == "not_started"
    with pytest.raises(ValidationError) as exc:
        services.weekly_report_open(
            actor=w.dept_user,
            campaign=w.campaign,
            department=w.department,
            week_start=w.week.start + datetime.timedelta(days=1),
        )
    assert exc.value.code == "no_such_week"
    assert not WeeklyReport.objects.exists()
