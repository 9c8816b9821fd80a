"""The school dashboard: each figure against a hand-built register, each number's link, overdue
at its Asia/Shanghai edge, scope (404 outside, 403 for a department), the printable page, the
Excel workbook and a pinned query count."""

from __future__ import annotations

import datetime
import io
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from safecampus.accounts.models import RoleAssignment
from safecampus.audit.models import AuditEvent
from safecampus.campaigns.testing import complete_rows, launched_campaign
from safecampus.core.excel import attachment
from safecampus.core.roles import Role
from safecampus.core.testing import user_with_role
from safecampus.core.testing_excel import table
from safecampus.hazards import services
from safecampus.hazards.choices import Action, Status
from safecampus.hazards.models import Hazard
from safecampus.hazards.selectors import hazard_list
from safecampus.hazards.testing import hazard_at, small_catalog
from safecampus.hazards.tests.helpers import temporary_media
from safecampus.inspections import services as campaign_services
from safecampus.reports.school import school_dashboard

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


@pytest.fixture
def dash(clock, world, settings, tmp_path):
    """``world`` with a published catalog (A01 items → 普教一科), school B's officer and
    ``dash.make(status, school=A, deadline=…)`` building a hazard through the services."""
    temporary_media(settings, tmp_path)
    world.catalog = small_catalog(world.bureau, world.department)
    world.school_user = world.users[Role.SCHOOL_OFFICER]
    world.dept_user = world.users[Role.DEPARTMENT_OFFICER]
    world.centre = world.users[Role.SAFETY_CENTRE]
    world.school_b_user = user_with_role(Role.SCHOOL_OFFICER, world.school_b, username="school_b")

    def make(status, *, school=None, **data):
        school = school or world.school_a
        user = world.school_user if school == world.school_a else world.school_b_user
        return hazard_at(status, school=school, school_user=user, dept_user=world.dept_user, **data)

    def reject(hazard, comment="通道仍有杂物，重新整改"):
        return services.hazard_act(
            actor=world.dept_user,
            hazard_id=hazard.pk,
            action=Action.REJECT,
            version=hazard.version,
            comment=comment,
        )

    world.make, world.reject = make, reject
    return world


def build_register(dash) -> SimpleNamespace:
    """School A: one hazard in each situation the dashboard counts; school B: the same kinds,
    which must never show on A's dashboard."""
    h = SimpleNamespace()
    h.reported = dash.make(Status.REPORTED)  # open, no deadline yet
    h.due_today = dash.make(Status.ASSIGNED, deadline=days(0))  # due soon, not overdue
    h.late = dash.make(Status.RECTIFYING, deadline=days(-1))  # overdue by one day
    h.due_6 = dash.make(Status.RECTIFYING, deadline=days(6))  # the last day of "within 7"
    h.due_7 = dash.make(Status.RECTIFYING, deadline=days(7))  # just outside it
    h.submitted = dash.make(Status.SUBMITTED, deadline=days(30))
    h.returned = dash.reject(dash.make(Status.SUBMITTED, deadline=days(20)))
    h.hard = dash.make(Status.HARD, deadline=days(-3))  # overdue, open
    h.closed = dash.make(Status.CLOSED, deadline=days(10))  # closed today
    h.closed_last_year = dash.make(Status.CLOSED)
    last_year = datetime.date(timezone.localdate().year - 1, 12, 31)
    Hazard.objects.filter(pk=h.closed_last_year.pk).update(
        closed_on=last_year, found_on=last_year - datetime.timedelta(days=9)
    )
    h.withdrawn = dash.make(Status.WITHDRAWN)
    for status in (Status.RECTIFYING, Status.SUBMITTED, Status.CLOSED):
        dash.make(status, school=dash.school_b, deadline=days(-2))
    dash.reject(dash.make(Status.SUBMITTED, school=dash.school_b))
    return h


EXPECTED = {
    "open": 8,
    "overdue": 2,
    "due_soon": 2,
    "submitted": 1,
    "returned": 1,
    "closed_year": 1,
    "forms_to_fill": 0,
    "forms_returned": 0,
}


@pytest.mark.parametrize("role", [Role.SCHOOL_OFFICER, Role.PRINCIPAL, Role.SAFETY_CENTRE])
def test_each_figure_against_a_hand_built_register(dash, role):
    h = build_register(dash)
    user = dash.users[role]
    data = school_dashboard(user=user, school=dash.school_a)
    assert data["counts"] == EXPECTED
    # open hazards by deadline, the one without a deadline last
    assert [x.pk for x in data["open_hazards"]] == [
        h.hard.pk,
        h.late.pk,
        h.due_today.pk,
        h.due_6.pk,
        h.due_7.pk,
        h.returned.pk,
        h.submitted.pk,
        h.reported.pk,
    ]
    assert [(x.days_left, x.days_late) for x in data["open_hazards"][:3]] == [
        (-3, 3),
        (-1, 1),
        (0, 0),
    ]
    assert [(x.pk, x.return_reason) for x in data["returned"]] == [
        (h.returned.pk, "通道仍有杂物，重新整改")
    ]
    # the history: the last closed first, with the days it took
    assert [(x.pk, x.closed_on) for x in data["history"]] == [
        (h.closed.pk, timezone.localdate()),
        (h.closed_last_year.pk, datetime.date(timezone.localdate().year - 1, 12, 31)),
    ]
    assert data["history"][1].days_taken == 9


def test_each_number_links_to_a_register_view_with_the_same_count(dash, client_for):
    build_register(dash)
    client = client_for(dash.school_user)
    data = school_dashboard(user=dash.school_user, school=dash.school_a)
    page = client.get(reverse("reports:school_dashboard")).content.decode()
    linked = {}
    for figure in data["figures"]:
        assert f'href="{figure.url}"'.replace("&", "&amp;") in page
        assert f'data-testid="value-{figure.key}">{figure.value}<' in page
        if figure.in_register:
            response = client.get(figure.url)
            assert response.status_code == 200
            linked[figure.key] = response.context["page"].paginator.count
            query = parse_qs(urlsplit(figure.url).query)
            assert query["school"] == [str(dash.school_a.pk)]
    assert linked == {k: EXPECTED[k] for k in ("open", "overdue", "due_soon", "submitted")}
    # the figures with no exact register filter point at the lists on the page
    anchors = {f.key: f.url for f in data["figures"] if not f.in_register}
    assert anchors == {
        "returned": "#returned",
        "closed_year": "#history",
        "forms_to_fill": "#forms",
        "forms_returned": "#forms-returned",
    }
    for anchor in anchors.values():
        assert f'id="{anchor[1:]}"' in page
    # "see all" asks the register for the same open hazards, by deadline
    all_open = parse_qs(urlsplit(data["open_all_url"]).query)
    assert hazard_list(user=dash.school_user, filters=all_open).count() == EXPECTED["open"]


@pytest.mark.parametrize(
    ("utc", "overdue", "due_soon"),
    [
        # 23:59 on the 22nd in Shanghai: due today, not overdue
        (datetime.datetime(2026, 11, 22, 15, 59, tzinfo=datetime.UTC), 0, 1),
        # 00:30 on the 23rd in Shanghai (still the 22nd in UTC): overdue since midnight
        (datetime.datetime(2026, 11, 22, 16, 30, tzinfo=datetime.UTC), 1, 0),
    ],
)
def test_overdue_turns_at_midnight_in_shanghai(
    dash, client_for, monkeypatch, utc, overdue, due_soon
):
    hazard = dash.make(Status.RECTIFYING, deadline=datetime.date(2026, 11, 22))
    monkeypatch.setattr("django.utils.timezone.now", lambda: utc)
    data = school_dashboard(user=dash.school_user, school=dash.school_a)
    assert (data["counts"]["overdue"], data["counts"]["due_soon"]) == (overdue, due_soon)
    assert data["open_hazards"][0].days_late == overdue
    overdue_link = next(f.url for f in data["figures"] if f.key == "overdue")
    listed = client_for(dash.school_user).get(overdue_link).context["page"]
    assert [x.pk for x in listed] == ([hazard.pk] if overdue else [])


def test_forms_to_fill_and_returned_with_the_reason(dash, client_for):
    # Given a campaign whose form is not started, and one whose form was returned
    first = launched_campaign(dash.bureau, dash.catalog, dash.centre, forms_due=days(-1))
    second = launched_campaign(
        dash.bureau, dash.catalog, dash.centre, name="第二次检查", forms_due=days(5)
    )
    form = second.forms.get(school=dash.school_a)
    campaign_services.form_save(actor=dash.school_user, form_id=form.pk, rows=complete_rows(form))
    campaign_services.form_submit(actor=dash.school_user, form_id=form.pk)
    campaign_services.form_review(
        actor=dash.dept_user, form_id=form.pk, decision="return", reason="照片不清晰，请补充"
    )
    # When school A looks at its dashboard
    data = school_dashboard(user=dash.school_user, school=dash.school_a)
    # Then the first is to fill (and late), the second returned with its reason
    assert [(f.campaign_id, f.overdue) for f in data["forms_to_fill"]] == [(first.pk, True)]
    assert [(f.campaign_id, f.returned_reason) for f in data["forms_returned"]] == [
        (second.pk, "照片不清晰，请补充")
    ]
    assert (data["counts"]["forms_to_fill"], data["counts"]["forms_returned"]) == (1, 1)
    page = client_for(dash.school_user).get(reverse("reports:school_dashboard")).content.decode()
    assert "照片不清晰，请补充" in page
    assert first.forms.get(school=dash.school_a).get_absolute_url() in page
    # and school B's forms are not school A's
    b = school_dashboard(user=dash.school_b_user, school=dash.school_b)
    assert [f.school_id for f in b["forms_to_fill"]] == [dash.school_b.pk, dash.school_b.pk]


# --- scope --------------------------------------------------------------------------------------

PAGES = ["school_dashboard_for", "school_dashboard_print", "school_dashboard_xlsx"]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize(
    ("who", "school", "status"),
    [
        ("school_a", "school_a", 200),
        ("principal_a", "school_a", 200),
        ("centre", "school_a", 200),
        ("leader", "school_b", 200),
        ("inspector", "school_a", 200),
        ("school_a", "school_b", 404),  # another school: not found
        ("school_b", "school_a", 404),
        ("centre", "school_other", 404),  # another bureau's school
        ("other_centre", "school_a", 404),
        ("dept", "school_a", 403),  # sees the school, not all its hazards
        ("police", "school_a", 403),
        ("sysadmin", "school_a", 403),
    ],
)
def test_scope_of_each_page(dash, client_for, page, who, school, status):
    users = {u.username: u for u in dash.users.values()}
    users["school_b"] = dash.school_b_user
    users["other_centre"] = user_with_role(Role.SAFETY_CENTRE, dash.other_bureau, username="oc")
    target = getattr(dash, school)
    response = client_for(users[who]).get(reverse(f"reports:{page}", args=[target.pk]))
    assert response.status_code == status


def test_a_schools_figures_never_include_another_schools(dash, client_for):
    build_register(dash)
    b = school_dashboard(user=dash.school_b_user, school=dash.school_b)
    assert b["counts"] == {
        "open": 3,
        "overdue": 2,
        "due_soon": 0,
        "submitted": 1,
        "returned": 1,
        "closed_year": 1,
        "forms_to_fill": 0,
        "forms_returned": 0,
    }
    assert {x.school_id for x in b["open_hazards"] + b["history"] + b["returned"]} == {
        dash.school_b.pk
    }
    page = client_for(dash.school_b_user).get(reverse("reports:school_dashboard"))
    assert page.context["school"] == dash.school_b
    assert all(x.school_id == dash.school_b.pk for x in page.context["open_hazards"])


def test_my_dashboard_is_my_school_and_others_are_sent_elsewhere(dash, client_for):
    url = reverse("reports:school_dashboard")
    assert client_for(dash.school_user).get(url).context["school"] == dash.school_a
    centre = client_for(dash.centre).get(url)
    assert (centre.status_code, centre["Location"]) == (302, reverse("orgs:school_list"))
    assert client_for(dash.dept_user).get(url).status_code == 403
    # someone holding roles in two schools chooses
    both = user_with_role(Role.SCHOOL_OFFICER, dash.school_a, username="both")
    RoleAssignment.objects.create(user=both, role=Role.PRINCIPAL, school=dash.school_b)
    response = client_for(both).get(url)
    assert response.context["choices"] == sorted([dash.school_a, dash.school_b], key=str)
    assert reverse("reports:school_dashboard_for", args=[dash.school_b.pk]) in (
        response.content.decode()
    )


def test_anonymous_is_sent_to_log_in(client, dash):
    response = client.get(reverse("reports:school_dashboard_for", args=[dash.school_a.pk]))
    assert response.status_code == 302
    assert "login" in response["Location"]


# --- documents ----------------------------------------------------------------------------------


def test_printable_page_is_a4_with_chinese_fonts(dash, client_for):
    build_register(dash)
    response = client_for(dash.school_user).get(
        reverse("reports:school_dashboard_print", args=[dash.school_a.pk])
    )
    body = response.content.decode()
    assert "@page { size: A4;" in body
    assert '"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "SimSun"' in body
    assert "base.html" not in [t.name for t in response.templates]
    assert dash.school_a.name in body
    assert "通道仍有杂物，重新整改" in body  # the returned hazard's reason
    codes = set(Hazard.objects.filter(school=dash.school_b).values_list("code", flat=True))
    assert not any(code in body for code in codes)


def test_excel_workbook_holds_the_figures_and_the_rows_behind_them(dash, client_for):
    h = build_register(dash)
    client = client_for(dash.school_user)
    response = client.get(reverse("reports:school_dashboard_xlsx", args=[dash.school_a.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == attachment(
        f"{dash.school_a.name}_学校工作台_{timezone.localdate():%Y-%m-%d}.xlsx"
    )
    wb = load_workbook(io.BytesIO(response.content), read_only=True)
    assert len(wb.sheetnames) == 5
    figures = table(response.content, 0)[1]
    assert [row[1] for row in figures] == list(EXPECTED.values())
    assert figures[0][2].startswith("http://testserver/hazards/?school=")
    open_codes = [r[0] for r in table(response.content, 1)[1]]
    assert len(open_codes) == EXPECTED["open"] and open_codes[0] == h.hard.code
    returned = table(response.content, 2)[1]
    assert [(r[0], r[4]) for r in returned] == [(h.returned.code, "通道仍有杂物，重新整改")]
    closed = [r[0] for r in table(response.content, 4)[1]]
    assert closed == [h.closed.code]  # this year's only
    event = AuditEvent.objects.get(action="export")
    assert (event.actor, event.data["kind"]) == (dash.school_user, "school_dashboard")


# --- speed --------------------------------------------------------------------------------------


def count_queries(client, url: str) -> int:
    """Queries of a GET of ``url``, after a warming GET that wrote the session's idle-timeout
    refresh (not due again for a minute)."""
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx)


@pytest.mark.parametrize(
    ("role", "expected"), [(Role.SCHOOL_OFFICER, 13), (Role.SAFETY_CENTRE, 14)]
)
def test_query_count_is_pinned_and_does_not_grow_with_the_register(
    dash, client_for, role, expected
):
    """Session, user, scope (and the centre's bureau subtree), the school, then the dashboard's
    six: the counts, the returned count, the open list, the returned list, the history, the
    forms; the duty figures and the overdue duties; and the menu's unread notifications."""
    url = reverse("reports:school_dashboard_for", args=[dash.school_a.pk])
    client = client_for(dash.users[role])
    launched_campaign(dash.bureau, dash.catalog, dash.centre)
    build_register(dash)
    small = count_queries(client, url)
    for status in (Status.RECTIFYING, Status.CLOSED, Status.SUBMITTED):
        dash.make(status, deadline=days(-5))
    dash.reject(dash.make(Status.SUBMITTED))
    launched_campaign(dash.bureau, dash.catalog, dash.centre, name="第二次检查")
    large = count_queries(client, url)
    assert (small, large) == (expected, expected)
