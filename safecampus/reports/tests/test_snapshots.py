"""Dashboard snapshots: a scope with more schools than ``DASHBOARD_LIVE_MAX_SCHOOLS`` is shown
from figures counted by a job, with their "as of" time; the figures are the live ones, are kept
per scope (never shown to another), refreshed when stale, once at a time."""

from __future__ import annotations

import datetime
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from safecampus.accounts.models import RoleAssignment
from safecampus.core.excel import as_of_text
from safecampus.core.models import Job
from safecampus.core.roles import Role
from safecampus.core.testing import user_with_role
from safecampus.core.testing_excel import table
from safecampus.hazards.models import Hazard
from safecampus.reports import selectors, snapshots
from safecampus.reports.models import DashboardSnapshot

from . import dashboard_world

dash = dashboard_world.dash  # the fixture

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _every_scope_is_large(settings):
    """Every bureau dashboard reads a snapshot (the hand-built world has 2 schools a bureau)."""
    settings.DASHBOARD_LIVE_MAX_SCHOOLS = 0
    settings.DASHBOARD_SNAPSHOT_MAX_AGE = 600


def figure(response, name: str) -> str:
    """The text of the element ``data-figure=name`` on a page."""
    html = response.content.decode()
    marker = f'data-figure="{name}">'
    start = html.index(marker) + len(marker)
    return html[start : html.index("<", start)]


def view_and_count(client, django_capture_on_commit_callbacks, url="/dashboard/"):
    """GET ``url``; the refresh job it starts runs when the request's transaction commits."""
    with django_capture_on_commit_callbacks(execute=True):
        return client.get(url)


def test_first_view_counts_in_a_job_then_shows_the_live_figures_as_of_then(
    dash, client_for, django_capture_on_commit_callbacks
):
    client = client_for(dash.centre)
    first = view_and_count(client, django_capture_on_commit_callbacks)
    assert first.status_code == 200
    assert b'data-testid="snapshot-pending"' in first.content
    assert b'data-figure="open"' not in first.content
    job = Job.objects.get(kind=snapshots.JOB_KIND)
    assert (job.status, job.created_by, job.percent) == ("succeeded", dash.centre, 100)

    second = client.get("/dashboard/")
    assert b'data-testid="snapshot-bar"' in second.content
    assert (figure(second, "open"), figure(second, "overdue")) == ("8", "5")
    snap = DashboardSnapshot.objects.get()
    as_of = timezone.localtime(snap.computed_at).strftime("%Y-%m-%d %H:%M")
    assert as_of in second.content.decode()
    # exactly the figures counted live, dates included
    live = selectors.dashboard(user=dash.centre, filters=selectors.Filters())
    assert snapshots.decode(snap.data) == live
    assert Job.objects.count() == 1  # fresh: not counted again


def test_figures_stay_as_of_their_time_until_refreshed_once(
    dash, client_for, django_capture_on_commit_callbacks
):
    client = client_for(dash.centre)
    view_and_count(client, django_capture_on_commit_callbacks)
    Hazard.objects.filter(pk=dash.h["a0"].pk).update(status="closed", closed_on=dash.today)
    assert figure(client.get("/dashboard/"), "open") == "8"  # as of the count, not live

    # stale: the old figures are shown while one refresh runs
    old = timezone.now() - datetime.timedelta(minutes=11)
    DashboardSnapshot.objects.update(computed_at=old)
    with django_capture_on_commit_callbacks(execute=False) as pending:
        stale = client.get("/dashboard/")
        again = client.get("/dashboard/")
    assert figure(stale, "open") == figure(again, "open") == "8"
    assert b'data-testid="snapshot-status"' in again.content  # the refresh's progress
    assert len(pending) == 1  # the second view did not start another refresh
    pending[0]()
    assert figure(client.get("/dashboard/"), "open") == "7"
    assert Job.objects.filter(kind=snapshots.JOB_KIND).count() == 2


def test_update_now_starts_one_refresh(dash, client_for, django_capture_on_commit_callbacks):
    client = client_for(dash.centre)
    view_and_count(client, django_capture_on_commit_callbacks, "/dashboard/?stage=primary")
    with django_capture_on_commit_callbacks(execute=False) as pending:
        response = client.post("/dashboard/refresh/", {"stage": "primary"})
        assert response.status_code == 302
        assert response["Location"] == "/dashboard/?stage=primary"
        client.post("/dashboard/refresh/", {"stage": "primary"}, follow=True)
    assert len(pending) == 1
    # a refresh of filters never viewed has nothing to refresh
    assert client.post("/dashboard/refresh/", {"stage": "junior"}).status_code == 404


def test_scopes_never_share_a_snapshot_unless_they_are_the_same(
    dash, client_for, django_capture_on_commit_callbacks
):
    view_and_count(client_for(dash.centre), django_capture_on_commit_callbacks)
    # another centre officer of the same bureau: the same scope, the same snapshot
    colleague = user_with_role(Role.SAFETY_CENTRE, dash.bureau, username="centre2")
    assert figure(client_for(colleague).get("/dashboard/"), "open") == "8"
    assert DashboardSnapshot.objects.count() == 1

    # another bureau's centre and a department officer get their own figures, never those
    for user, expected in ((dash.other_centre, "1"), (dash.other_dept_user, "1")):
        client = client_for(user)
        assert (
            b"snapshot-pending"
            in view_and_count(client, django_capture_on_commit_callbacks).content
        )
        assert figure(client.get("/dashboard/"), "open") == expected
    assert DashboardSnapshot.objects.count() == 3
    keys = set(DashboardSnapshot.objects.values_list("key", flat=True))
    assert len(keys) == 3


def test_map_and_status_of_a_snapshot_are_the_viewers_own(
    dash, client_for, django_capture_on_commit_callbacks
):
    client = client_for(dash.centre)
    with django_capture_on_commit_callbacks(execute=False) as pending:
        client.get("/dashboard/")
    assert client.get("/dashboard/map.json").json() == {"points": [], "pending": True}
    status = client.get("/dashboard/status/")
    assert b'data-testid="snapshot-status"' in status.content and "HX-Refresh" not in status
    pending[0]()
    assert client.get("/dashboard/status/")["HX-Refresh"] == "true"
    points = client.get("/dashboard/map.json").json()
    assert [p[1] for p in points["points"]] == ["甲小学"]

    # another bureau has no snapshot of its own yet: nothing to report, never the centre's
    other = client_for(dash.other_centre)
    assert other.get("/dashboard/status/").status_code == 404
    assert other.get("/dashboard/map.json").json() == {"points": [], "pending": True}
    # a school is not shown bureau dashboards at all
    school = client_for(dash.users[Role.SCHOOL_OFFICER])
    assert school.get("/dashboard/map.json").status_code == 403
    assert school.get("/dashboard/status/").status_code == 403
    assert school.post("/dashboard/refresh/").status_code == 403


def test_print_and_export_read_the_snapshot(dash, client_for, django_capture_on_commit_callbacks):
    client = client_for(dash.centre)
    pending = view_and_count(client, django_capture_on_commit_callbacks, "/dashboard/export.xlsx")
    assert pending["Content-Type"].startswith("text/html")  # not counted yet: the progress
    assert b"snapshot-pending" in pending.content
    snap = DashboardSnapshot.objects.get()
    as_of = timezone.localtime(snap.computed_at).strftime("%Y-%m-%d %H:%M")
    Hazard.objects.filter(pk=dash.h["a0"].pk).update(status="closed", closed_on=dash.today)
    content = client.get("/dashboard/export.xlsx").content
    block = [r[0] for r in load_workbook(io.BytesIO(content)).worksheets[0].iter_rows(max_row=4)]
    values = [r[1] for r in table(content)[1]]
    # as of the count (the header block); open hazards then
    assert (as_of_text(snap.computed_at), values[1]) == (block[3].value, 8)
    assert as_of in client.get("/dashboard/print/").content.decode()


def test_a_refresh_for_someone_whose_roles_changed_stores_nothing(
    dash, client_for, django_capture_on_commit_callbacks
):
    client = client_for(dash.centre)
    with django_capture_on_commit_callbacks(execute=False) as pending:
        client.get("/dashboard/")
    RoleAssignment.objects.filter(user=dash.centre).delete()
    pending[0]()
    job = Job.objects.get(kind=snapshots.JOB_KIND)
    assert job.status == "failed"
    snap = DashboardSnapshot.objects.get()
    assert snap.data is None and snap.refreshing_since is None


def test_periodic_refresh_keeps_viewed_snapshots_fresh_and_forgets_old_ones(
    dash, client_for, django_capture_on_commit_callbacks
):
    view_and_count(client_for(dash.centre), django_capture_on_commit_callbacks)
    view_and_count(client_for(dash.other_centre), django_capture_on_commit_callbacks)
    now = timezone.now()
    DashboardSnapshot.objects.update(computed_at=now - datetime.timedelta(minutes=20))
    centre_snap = DashboardSnapshot.objects.get(viewed_by=dash.centre)
    Hazard.objects.filter(pk=dash.h["a0"].pk).update(status="closed", closed_on=dash.today)
    # the other centre lost its role: its snapshot is not counted with the old scope
    RoleAssignment.objects.filter(user=dash.other_centre).delete()
    assert snapshots.refresh_snapshots(now=now) == {"refreshed": 1, "skipped": 1, "deleted": 0}
    centre_snap.refresh_from_db()
    assert centre_snap.computed_at > now - datetime.timedelta(minutes=1)
    assert snapshots.decode(centre_snap.data)["totals"]["open"]["n"] == 7

    later = now + datetime.timedelta(days=8)
    assert snapshots.refresh_snapshots(now=later)["deleted"] == 2
    assert not DashboardSnapshot.objects.exists()


def test_snapshots_are_kept_per_language(
    dash, client_for, settings, django_capture_on_commit_callbacks
):
    client = client_for(dash.centre)
    view_and_count(client, django_capture_on_commit_callbacks)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    view_and_count(client, django_capture_on_commit_callbacks)
    by_language = {
        s.language: [r["label"] for r in snapshots.decode(s.data)["by_status"]]
        for s in DashboardSnapshot.objects.all()
    }
    assert by_language["en"][0] == "Reported"
    assert by_language[settings.LANGUAGE_CODE][0] == "已上报"


def test_scopes_up_to_the_limit_are_counted_live(
    dash, client_for, settings, django_assert_num_queries
):
    settings.DASHBOARD_LIVE_MAX_SCHOOLS = 2  # the centre's bureau has two schools
    response = client_for(dash.centre).get("/dashboard/")
    assert b"snapshot-bar" not in response.content and figure(response, "open") == "8"
    assert not DashboardSnapshot.objects.exists()


def test_school_dashboards_are_never_cached(dash, client_for, django_capture_on_commit_callbacks):
    """Even with every scope 'large', a school's dashboard is counted live for that school:
    there is no cached figure a school could share with another."""
    for user in (dash.users[Role.SCHOOL_OFFICER], dash.school_b_user):
        client = client_for(user)
        assert client.get("/dashboard/")["Location"] == "/dashboard/school/"
        page = view_and_count(client, django_capture_on_commit_callbacks, "/dashboard/school/")
        assert page.status_code == 200 and b"snapshot" not in page.content
    assert not DashboardSnapshot.objects.exists()
    assert not Job.objects.filter(kind=snapshots.JOB_KIND).exists()


def test_the_periodic_task_refreshes(dash, client_for, django_capture_on_commit_callbacks):
    from safecampus.reports.tasks import refresh_dashboard_snapshots

    view_and_count(client_for(dash.centre), django_capture_on_commit_callbacks)
    DashboardSnapshot.objects.update(computed_at=timezone.now() - datetime.timedelta(hours=1))
    refresh_dashboard_snapshots.call_local()
    snap = DashboardSnapshot.objects.get()
    assert snap.computed_at > timezone.now() - datetime.timedelta(minutes=1)
