"""The bell and the notification pages: unread count, own digests only, opening marks read; a
returned form notifies the school."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from safecampus.campaigns.testing import complete_rows
from safecampus.core.roles import Role
from safecampus.inspections import services as campaign_services
from safecampus.notifications.models import Notice, NoticeKind, Notification
from safecampus.notifications.services import digest_fold, notify

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 4, 9)
LIST = "/notifications/"


def _digest_for(user, *texts, day=DAY):
    for text in texts:
        notify([user], kind=NoticeKind.FORM_RETURNED, text=text, url="/campaigns/")
    digest_fold(day=day)
    return Notification.objects.get(recipient=user, date=day)


def test_bell_shows_the_unread_count(world, client_for):
    user = world.users[Role.SCHOOL_OFFICER]
    client = client_for(user)
    assert 'data-testid="unread-count"' not in client.get("/").content.decode()
    _digest_for(user, "一")
    _digest_for(user, "二", day=DAY + datetime.timedelta(days=1))
    html = client.get("/").content.decode()
    assert 'data-testid="unread-count">2<' in html
    assert reverse("notifications:notification_list") in html


def test_anonymous_pages_count_nothing(world, client):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    assert not any("notifications_notification" in q["sql"] for q in ctx.captured_queries)


def test_list_shows_own_digests_newest_first_and_opening_marks_read(world, client_for):
    user = world.users[Role.DEPARTMENT_OFFICER]
    old = _digest_for(user, "旧通知")
    new = _digest_for(user, "新通知甲", "新通知乙", day=DAY + datetime.timedelta(days=1))
    _digest_for(world.users[Role.SAFETY_CENTRE], "别人的通知")
    client = client_for(user)
    html = client.get(LIST).content.decode()
    assert html.count('data-testid="digest"') == 2
    assert html.index("新通知甲") < html.index("旧通知")
    assert "别人的通知" not in html

    page = client.get(new.get_absolute_url())
    assert page.status_code == 200 and "新通知乙" in page.content.decode()
    new.refresh_from_db()
    assert new.read_at is not None
    assert 'data-testid="unread-count">1<' in client.get(LIST).content.decode()

    client.post(reverse("notifications:notification_read", args=[old.pk]))
    old.refresh_from_db()
    assert old.read_at is not None


def test_mark_all_read(world, client_for):
    user = world.users[Role.DEPARTMENT_OFFICER]
    _digest_for(user, "一")
    _digest_for(user, "二", day=DAY + datetime.timedelta(days=1))
    response = client_for(user).post(reverse("notifications:read_all"))
    assert response.status_code == 302
    assert not Notification.objects.filter(recipient=user, read_at__isnull=True).exists()


def test_another_persons_digest_is_404(world, client_for):
    theirs = _digest_for(world.users[Role.SAFETY_CENTRE], "别人的通知")
    client = client_for(world.users[Role.DEPARTMENT_OFFICER])
    assert client.get(theirs.get_absolute_url()).status_code == 404
    read = reverse("notifications:notification_read", args=[theirs.pk])
    assert client.post(read).status_code == 404
    client.post(reverse("notifications:read_all"))
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert client_for(world.users[Role.SAFETY_CENTRE]).get(LIST).status_code == 200


def test_anonymous_is_sent_to_login(world, client):
    response = client.get(LIST)
    assert response.status_code == 302 and "login" in response.url


def test_list_query_count_is_pinned(world, client_for):
    user = world.users[Role.DEPARTMENT_OFFICER]
    client = client_for(user)
    _digest_for(user, "一")

    def count():
        client.get(LIST)  # the session's idle-timeout refresh is written once a minute
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(LIST).status_code == 200
        return len(ctx)

    few = count()
    for i in range(5):
        _digest_for(user, f"甲{i}", f"乙{i}", day=DAY + datetime.timedelta(days=i + 1))
    # session, user, count, digests, their notices, scope (2), unread count
    assert count() == few == 8


def test_returning_a_form_notifies_the_school(world, client_for):
    from safecampus.campaigns.testing import launched_campaign
    from safecampus.hazards.testing import small_catalog

    centre = world.users[Role.SAFETY_CENTRE]
    catalog = small_catalog(world.bureau, world.department)
    campaign = launched_campaign(world.bureau, catalog, centre)
    form = campaign.forms.get(school=world.school_a)
    school_user = world.users[Role.SCHOOL_OFFICER]
    campaign_services.form_save(actor=school_user, form_id=form.pk, rows=complete_rows(form))
    campaign_services.form_submit(actor=school_user, form_id=form.pk)

    campaign_services.form_review(
        actor=world.users[Role.DEPARTMENT_OFFICER],
        form_id=form.pk,
        decision="return",
        reason="照片不清晰",
    )

    notices = Notice.objects.filter(kind=NoticeKind.FORM_RETURNED)
    assert set(notices.values_list("recipient__username", flat=True)) == {
        "school_a",
        "principal_a",
    }
    assert all("照片不清晰" in n.text and n.url == form.get_absolute_url() for n in notices)
