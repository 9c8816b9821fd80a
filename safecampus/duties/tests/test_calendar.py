"""The school calendar page: school days per month, holidays and make-up days, the warning for
a year the library does not know; terms and override days kept by the centre, with refusals."""

import datetime
import re

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse

from safecampus.audit.models import AuditEvent
from safecampus.core.roles import Role
from safecampus.core.testing import scope_matrix, user_with_role
from safecampus.duties import calendar_services
from safecampus.duties.models import CalendarDay, SchoolTerm
from safecampus.duties.testing import school_year_terms

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def terms(world):
    return school_year_terms(world.bureau, 2026)  # 2025-2026 and 2026-2027


def _page(client, bureau) -> str:
    response = client.get(reverse("duties:calendar"), {"bureau": bureau.pk})
    assert response.status_code == 200
    return response.content.decode()


def _month(html: str, month: str) -> tuple[int, str]:
    """(school days, the row's HTML) of one month of the page."""
    row = re.search(rf'data-testid="month-{month}">(.*?)</tr>', html, re.S).group(1)
    days = re.search(r'data-testid="school-days">(\d+)<', row).group(1)
    return int(days), row


def _terms_post(client, url, **data):
    return client.post(url, {"school_year": "2027-2028", "kind": "autumn", **data})


def test_month_grid_counts_school_days_with_the_library(world, terms, client_for):
    html = _page(client_for(world.users[Role.SCHOOL_OFFICER]), world.bureau)
    assert 'data-testid="school-year-2025-2026"' in html
    assert 'data-testid="school-year-2026-2027"' in html
    # October 2025: 23 weekdays, 6 of them in the National Day break, Saturday 11th worked
    days, row = _month(html, "2025-10")
    assert days == 18
    assert "国庆节 10/1—10/5" in row and "中秋 10/6" in row and "国庆节 10/7—10/8" in row
    assert "10/11 国庆节调休上班" in row
    # September 2025: 22 weekdays and Sunday 28th worked
    assert _month(html, "2025-09")[0] == 23
    # the summer vacation: no school day
    assert _month(html, "2026-07")[0] == 0
    # a reader gets no forms
    assert reverse("duties:term_new", args=[world.bureau.pk]) not in html
    assert reverse("duties:term_edit", args=[terms[0].pk]) not in html


def test_override_days_change_the_count(world, terms, client_for):
    client = client_for(world.users[Role.SAFETY_CENTRE])
    before = _month(_page(client, world.bureau), "2026-03")[0]
    for day, kind, name in (
        ("2026-03-02", "holiday", "地方假日"),
        ("2026-03-07", "workday", "调休上班"),
        ("2026-03-08", "workday", "调休上班"),
    ):
        response = client.post(
            reverse("duties:day_new", args=[world.bureau.pk]),
            {"date": day, "kind": kind, "name": name},
        )
        assert response.status_code == 302
    days, row = _month(_page(client, world.bureau), "2026-03")
    assert days == before - 1 + 2
    assert "地方假日 3/2" in row and "3/7 调休上班" in row
    assert AuditEvent.objects.filter(action="duties.day_add").count() == 3


def test_a_year_the_library_does_not_know_is_warned_about(world, client_for):
    SchoolTerm.objects.create(
        bureau=world.bureau,
        school_year="2030-2031",
        kind="autumn",
        start=D(2030, 9, 2),
        end=D(2031, 1, 17),
    )
    client = client_for(world.users[Role.SAFETY_CENTRE])
    html = _page(client, world.bureau)
    warnings = re.findall(r'data-testid="library-warning">(.*?)</div>', html, re.S)
    assert any("2030年法定节假日和调休安排尚未录入" in w for w in warnings)
    assert any("2031年法定节假日和调休安排尚未录入" in w for w in warnings)
    client.post(
        reverse("duties:day_new", args=[world.bureau.pk]),
        {"date": "2031-01-01", "kind": "holiday", "name": "元旦"},
    )
    html = _page(client, world.bureau)
    assert "2030年法定节假日和调休安排尚未录入" in html
    assert "2031年法定节假日和调休安排尚未录入" not in html
    # the day counts: 1 January 2031 is a Wednesday and no school day
    days, row = _month(html, "2031-01")
    assert "元旦 1/1" in row
    # 2031-01-01..17: 13 weekdays, less New Year's Day
    assert days == 12


def test_terms_added_changed_and_removed(world, terms, client_for):
    client = client_for(world.users[Role.SAFETY_CENTRE])
    response = _terms_post(
        client,
        reverse("duties:term_new", args=[world.bureau.pk]),
        start="2027-09-01",
        end="2028-01-21",
    )
    assert response.status_code == 302
    term = SchoolTerm.objects.get(school_year="2027-2028")
    assert (term.start, term.end, term.bureau) == (D(2027, 9, 1), D(2028, 1, 21), world.bureau)
    response = _terms_post(
        client, reverse("duties:term_edit", args=[term.pk]), start="2027-08-30", end="2028-01-19"
    )
    assert response.status_code == 302
    term.refresh_from_db()
    assert (term.start, term.end) == (D(2027, 8, 30), D(2028, 1, 19))
    client.post(reverse("duties:term_delete", args=[term.pk]))
    assert not SchoolTerm.objects.filter(pk=term.pk).exists()
    actions = list(
        AuditEvent.objects.filter(action__startswith="duties.term")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["duties.term_save", "duties.term_save", "duties.term_delete"]


@pytest.mark.parametrize(
    "data,field,message",
    [
        ({"start": "2027-09-01", "end": "2027-08-01"}, "end", "学期结束日（2027-08-01）早于开始日"),
        ({"start": "2027-01-10", "end": "2027-03-01", "school_year": "2026-2027"}, "start", "重叠"),
        ({"start": "2026-12-01", "end": "2027-01-20", "kind": "spring"}, "start", "之间"),
        (
            {"start": "2026-09-01", "end": "2027-01-16", "school_year": "2026-2027"},
            "kind",
            "2026-2027学年已有秋季学期",
        ),
        (
            {"start": "2027-09-01", "end": "2028-01-16", "school_year": "2027-2029"},
            "school_year",
            "2026-2027",
        ),
    ],
)
def test_bad_terms_are_refused(world, terms, client_for, data, field, message):
    client = client_for(world.users[Role.SAFETY_CENTRE])
    response = _terms_post(client, reverse("duties:term_new", args=[world.bureau.pk]), **data)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert message in " ".join(errors.get(field, [])), errors
    assert SchoolTerm.objects.count() == 4


def test_editing_a_term_into_an_overlap_is_refused(world, terms, client_for):
    client = client_for(world.users[Role.SAFETY_CENTRE])
    autumn = terms[2]  # 2026-2027 autumn
    response = client.post(
        reverse("duties:term_edit", args=[autumn.pk]),
        {"school_year": "2026-2027", "kind": "autumn", "start": "2026-09-01", "end": "2027-02-20"},
    )
    assert response.status_code == 400
    assert "与2026-2027学年春季学期（2027-02-16至2027-06-30）重叠" in " ".join(
        response.context["form"].errors["start"]
    )
    autumn.refresh_from_db()
    assert autumn.end == D(2027, 1, 16)


def test_a_day_on_record_is_refused(world, client_for):
    client = client_for(world.users[Role.SAFETY_CENTRE])
    url = reverse("duties:day_new", args=[world.bureau.pk])
    client.post(url, {"date": "2027-02-06", "kind": "holiday", "name": "春节"})
    response = client.post(url, {"date": "2027-02-06", "kind": "workday", "name": "调休"})
    assert response.status_code == 400
    assert response.context["form"].errors["date"] == ["2027-02-06已录入（春节）。"]
    response = client.post(url, {"date": "2027-02-07", "kind": "holiday", "name": ""})
    assert response.status_code == 400
    assert list(CalendarDay.objects.values_list("date", "name")) == [(D(2027, 2, 6), "春节")]


def test_removing_a_day(world, client_for):
    client = client_for(world.users[Role.SAFETY_CENTRE])
    day = CalendarDay.objects.create(
        bureau=world.bureau, date=D(2027, 2, 6), kind="holiday", name="春节"
    )
    response = client.post(reverse("duties:day_delete", args=[day.pk]))
    assert response.status_code == 302
    assert not CalendarDay.objects.exists()
    assert AuditEvent.objects.filter(action="duties.day_delete").count() == 1


def test_calendar_edit_pages_scope(world, terms, client):
    u = world.users
    other_centre = user_with_role(Role.SAFETY_CENTRE, world.other_bureau)
    day = CalendarDay.objects.create(
        bureau=world.bureau, date=D(2027, 2, 6), kind="holiday", name="春节"
    )
    readers = [u[Role.SCHOOL_OFFICER], u[Role.LEADERSHIP]]
    scope_matrix(
        client,
        reverse("duties:term_edit", args=[terms[0].pk]),
        permitted=u[Role.SAFETY_CENTRE],
        wrong_role=readers,
        out_of_scope=[other_centre],
    )
    for url in (
        reverse("duties:term_delete", args=[terms[0].pk]),
        reverse("duties:day_delete", args=[day.pk]),
    ):
        scope_matrix(
            client,
            url,
            method="post",
            data={},
            permitted=u[Role.SAFETY_CENTRE],
            wrong_role=readers,
            out_of_scope=[other_centre],
        )


def test_calendar_services_check_scope(world):
    other_centre = user_with_role(Role.SAFETY_CENTRE, world.other_bureau)
    data = {
        "school_year": "2027-2028",
        "kind": "autumn",
        "start": D(2027, 9, 1),
        "end": D(2028, 1, 20),
    }
    with pytest.raises(Http404):
        calendar_services.term_save(actor=other_centre, bureau_id=world.bureau.pk, data=data)
    with pytest.raises(PermissionDenied):
        calendar_services.term_save(
            actor=world.users[Role.SCHOOL_OFFICER], bureau_id=world.bureau.pk, data=data
        )
    with pytest.raises(Http404):
        calendar_services.day_add(
            actor=other_centre,
            bureau_id=world.bureau.pk,
            date=D(2027, 1, 1),
            kind="holiday",
            name="元旦",
        )
    assert not SchoolTerm.objects.exists() and not CalendarDay.objects.exists()


def test_calendar_page_query_count(world, terms, client_for, django_assert_max_num_queries):
    for i in range(10):
        CalendarDay.objects.create(
            bureau=world.bureau,
            date=D(2027, 3, 1) + datetime.timedelta(days=i),
            kind="holiday",
            name="假",
        )
    client = client_for(world.users[Role.SAFETY_CENTRE])
    with django_assert_max_num_queries(15):
        _page(client, world.bureau)
