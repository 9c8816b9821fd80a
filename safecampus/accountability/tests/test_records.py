"""Accountability records: opened, followed up and closed as events; refusals; the pages, their
scope and the pinned query count of the list."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from safecampus.accountability import services
from safecampus.accountability.models import (
    AccountabilityEvent,
    AccountabilityRecord,
    RecordAction,
    RecordBasis,
    RecordKind,
    RecordStatus,
)
from safecampus.accountability.testing import make_hazard
from safecampus.core.testing import SchoolFactory
from safecampus.notifications.models import Notice, NoticeKind

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


def _open(sup, **kw):
    kw.setdefault("kind", RecordKind.INTERVIEW)
    kw.setdefault("basis", RecordBasis.HAZARD)
    kw.setdefault("reason", "隐患逾期未整改")
    kw.setdefault("school", sup.school_a)
    return services.record_open(actor=kw.pop("actor", sup.centre), bureau_id=sup.bureau.pk, **kw)


def test_open_follow_up_close_are_events(sup):
    record = _open(sup, department=sup.department)
    assert record.status == RecordStatus.OPEN
    # the school's officer and principal and the department's officer are told
    assert set(
        Notice.objects.filter(kind=NoticeKind.ACCOUNTABILITY_OPENED).values_list(
            "recipient__username", flat=True
        )
    ) == {"school_a", "principal_a", "dept"}

    services.record_follow_up(actor=sup.leader, record_id=record.pk, comment="已约谈校长")
    record.refresh_from_db()
    assert record.status == RecordStatus.FOLLOW_UP
    services.record_follow_up(actor=sup.centre, record_id=record.pk, comment="复查整改情况")
    services.record_close(actor=sup.centre, record_id=record.pk, comment="整改到位")
    record.refresh_from_db()
    assert record.status == RecordStatus.CLOSED and record.closed_at is not None
    assert [(e.action, e.actor.username, e.actor_role, e.comment) for e in record.events.all()] == [
        (RecordAction.OPEN, "centre", "safety_centre", "隐患逾期未整改"),
        (RecordAction.FOLLOW_UP, "leader", "leadership", "已约谈校长"),
        (RecordAction.FOLLOW_UP, "centre", "safety_centre", "复查整改情况"),
        (RecordAction.CLOSE, "centre", "safety_centre", "整改到位"),
    ]
    with pytest.raises(ValidationError) as exc:
        services.record_follow_up(actor=sup.centre, record_id=record.pk, comment="再次督促")
    assert exc.value.code == "invalid_transition"
    assert record.events.count() == 4


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"reason": "  "}, "reason"),
        ({"kind": RecordKind.DEADLINE}, "deadline"),
        ({"school": "other"}, "school"),
        ({"school": None}, "school"),
    ],
)
def test_open_refusals_change_nothing(sup, changes, field):
    if changes.get("school") == "other":
        changes["school"] = sup.school_other
    with pytest.raises(ValidationError) as exc:
        _open(sup, **changes)
    assert field in exc.value.error_dict
    assert not AccountabilityRecord.objects.exists()
    assert not AccountabilityEvent.objects.exists()
    assert not Notice.objects.exists()


def test_follow_up_needs_a_comment_and_the_manage_role(sup):
    record = _open(sup)
    with pytest.raises(ValidationError):
        services.record_follow_up(actor=sup.centre, record_id=record.pk, comment=" ")
    with pytest.raises(PermissionDenied):
        services.record_close(actor=sup.school_user, record_id=record.pk, comment="自行关闭")
    with pytest.raises(PermissionDenied):
        services.record_close(actor=sup.other_centre, record_id=record.pk, comment="关闭")
    record.refresh_from_db()
    assert record.status == RecordStatus.OPEN and record.events.count() == 1


# --- pages --------------------------------------------------------------------------------------


def test_create_page_resolves_hazard_codes(sup, client_for):
    hazard = make_hazard(sup)
    client = client_for(sup.centre)
    url = reverse("accountability:record_new")
    assert client.get(url).status_code == 200
    data = {
        "kind": RecordKind.DEADLINE,
        "basis": RecordBasis.HAZARD,
        "school": sup.school_a.pk,
        "reason": "消防通道长期堵塞",
        "hazard_codes": f"{hazard.code}, XX-2026-999999",
        "deadline": "2026-06-30",
    }
    bad = client.post(url, data)
    assert bad.status_code == 400
    assert "XX-2026-999999" in bad.content.decode() and "消防通道长期堵塞" in bad.content.decode()
    no_deadline = client.post(url, {**data, "hazard_codes": hazard.code, "deadline": ""})
    assert no_deadline.status_code == 400
    assert not AccountabilityRecord.objects.exists()

    response = client.post(url, {**data, "hazard_codes": hazard.code})
    record = AccountabilityRecord.objects.get()
    assert response.status_code == 302 and response.url == record.get_absolute_url()
    assert list(record.hazards.all()) == [hazard]
    assert record.deadline == datetime.date(2026, 6, 30)
    assert record.opened_by == sup.centre


def test_create_refuses_a_school_of_another_bureau(sup, client_for):
    client = client_for(sup.centre)
    response = client.post(
        reverse("accountability:record_new"),
        {
            "kind": RecordKind.INTERVIEW,
            "basis": RecordBasis.OTHER,
            "school": sup.school_other.pk,
            "reason": "外区学校",
        },
    )
    assert response.status_code == 400
    assert not AccountabilityRecord.objects.exists()


def test_follow_up_and_close_through_the_detail_page(sup, client_for):
    record = _open(sup)
    client = client_for(sup.leader)
    step = reverse("accountability:record_step", args=[record.pk])
    empty = client.post(step, {"step": "follow_up", "comment": ""})
    assert empty.status_code == 400
    assert client.post(step, {"step": "follow_up", "comment": "已约谈"}).status_code == 302
    assert client.post(step, {"step": "close", "comment": "整改完成"}).status_code == 302
    page = client.get(record.get_absolute_url()).content.decode()
    assert 'data-testid="event-close"' in page and "整改完成" in page
    assert 'data-testid="step-form"' not in page


def test_who_reaches_a_record(sup, client_for):
    against_school = _open(sup)
    against_dept = _open(sup, school=None, department=sup.department)
    lst = reverse("accountability:record_list")

    school = client_for(sup.school_user)
    assert school.get(against_school.get_absolute_url()).status_code == 200
    assert school.get(against_dept.get_absolute_url()).status_code == 404
    assert (
        'data-testid="step-form"'
        not in school.get(against_school.get_absolute_url()).content.decode()
    )
    step = reverse("accountability:record_step", args=[against_school.pk])
    assert school.post(step, {"step": "close", "comment": "x"}).status_code == 403
    assert school.get(reverse("accountability:record_new")).status_code == 403

    assert client_for(sup.school_b_user).get(against_school.get_absolute_url()).status_code == 404
    dept = client_for(sup.dept_user)
    assert dept.get(against_dept.get_absolute_url()).status_code == 200
    assert dept.get(against_school.get_absolute_url()).status_code == 404
    assert client_for(sup.other_dept_user).get(against_dept.get_absolute_url()).status_code == 404
    other = client_for(sup.other_centre)
    assert other.get(against_school.get_absolute_url()).status_code == 404
    assert other.post(step, {"step": "close", "comment": "x"}).status_code == 404
    assert "隐患逾期未整改" not in other.get(lst).content.decode()
    assert client_for(sup.users["partner"]).get(lst).status_code == 403
    assert AccountabilityRecord.objects.get(pk=against_school.pk).status == RecordStatus.OPEN


def test_list_filters(sup, client_for):
    _open(sup, reason="甲校约谈")
    _open(sup, kind=RecordKind.CRITICISM, school=None, department=sup.department, reason="科室通报")
    client = client_for(sup.centre)
    url = reverse("accountability:record_list")
    page = client.get(url, {"kind": RecordKind.CRITICISM}).content.decode()
    assert page.count('data-testid="record-status"') == 1 and "普教一科" in page
    page = client.get(url, {"school": sup.school_a.pk}).content.decode()
    assert page.count('data-testid="record-status"') == 1
    page = client.get(url, {"status": RecordStatus.CLOSED}).content.decode()
    assert page.count('data-testid="record-status"') == 0


def count_queries(client, url: str) -> int:
    client.get(url)  # the session's idle-timeout refresh is written once a minute
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx)


def test_list_query_count_is_pinned(sup, client_for):
    client = client_for(sup.centre)
    url = reverse("accountability:record_list")
    _open(sup)
    few = count_queries(client, url)
    for i in range(6):
        school = SchoolFactory(bureau=sup.bureau)
        _open(sup, school=school, department=sup.department, reason=f"原因{i}")
    # session, user, scope (2), unread notifications, school and department choices, count, rows
    assert count_queries(client, url) == few == 9


def test_a_record_links_only_hazards_of_its_school_or_department(sup):
    from safecampus.hazards.testing import hazard_at

    at_b = hazard_at(
        "rectifying", school=sup.school_b, school_user=sup.school_b_user, dept_user=sup.dept_user
    )
    with pytest.raises(ValidationError) as exc:
        _open(sup, school=sup.school_a, hazards=[at_b])
    assert at_b.code in str(exc.value.message_dict["hazards"])
    with pytest.raises(ValidationError):
        _open(sup, school=None, department=sup.other_dept, hazards=[at_b])
    assert not AccountabilityRecord.objects.exists()
    # the school's own hazard, and a department's own hazard, are fine
    assert _open(sup, school=sup.school_b, hazards=[at_b]).hazards.get() == at_b
    assert _open(sup, school=None, department=sup.department, hazards=[at_b]).hazards.count() == 1
