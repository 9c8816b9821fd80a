"""The notifications API: a person's own digests only (another's 404), the unread filter and
count, marking one or all read with the same effect as the pages, and a fixed number of queries
for the list."""

from __future__ import annotations

import datetime
import json

import pytest
from django.urls import reverse

from safecampus.core.roles import Role
from safecampus.core.testing import scope_matrix
from safecampus.notifications.models import NoticeKind, Notification
from safecampus.notifications.services import digest_fold, notify

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

URL = "/api/v1/notifications/"
DAY = datetime.date(2026, 4, 9)


def _digest_for(user, *texts, day=DAY):
    for text in texts:
        notify([user], kind=NoticeKind.FORM_RETURNED, text=text, url="/campaigns/")
    digest_fold(day=day)
    return Notification.objects.get(recipient=user, date=day)


def _post(client, url):
    return client.post(url, json.dumps({}), content_type="application/json")


@pytest.fixture
def people(clock, world):
    world.me = world.users[Role.SCHOOL_OFFICER]
    world.other = world.users[Role.DEPARTMENT_OFFICER]
    world.mine = _digest_for(world.me, "一号表被退回", "二号表被退回")
    world.mine_older = _digest_for(world.me, "旧的", day=DAY - datetime.timedelta(days=1))
    world.theirs = _digest_for(world.other, "别人的")
    return world


def test_the_list_is_ones_own_newest_first_with_the_notices(people, client):
    client.force_login(people.me)
    rows = client.get(URL).json()["results"]
    assert [r["id"] for r in rows] == [people.mine.pk, people.mine_older.pk]
    assert [n["text"] for n in rows[0]["notices"]] == ["一号表被退回", "二号表被退回"]
    assert rows[0]["notices"][0]["kind"] == NoticeKind.FORM_RETURNED
    assert rows[0]["is_read"] is False and rows[0]["read_at"] is None


def test_the_unread_filter_and_count(people, client):
    Notification.objects.filter(pk=people.mine_older.pk).update(read_at=people.mine.created_at)
    client.force_login(people.me)

    def ids(**params):
        response = client.get(URL, params)
        assert response.status_code == 200, response.content
        return [r["id"] for r in response.json()["results"]]

    assert ids(unread="true") == [people.mine.pk]
    assert ids(unread="false") == [people.mine_older.pk]
    assert client.get(f"{URL}unread-count/").json() == {"unread": 1}
    body = client.get(URL, {"unread": "perhaps"}).json()
    assert body["code"] == "invalid" and "unread" in body["errors"]
    # the bell on the pages says the same
    assert client.get("/").context["unread_notifications"]() == 1


def test_the_list_reads_a_fixed_number_of_queries(people, client, django_assert_max_num_queries):
    client.force_login(people.me)
    client.get(URL)
    with django_assert_max_num_queries(8) as few:
        assert len(client.get(URL).json()["results"]) == 2
    for n in range(2, 20):
        _digest_for(people.me, f"第{n}条", f"第{n}条之二", day=DAY - datetime.timedelta(days=n))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(URL).json()["results"]) == 20


def test_anothers_notification_is_not_found(people, client):
    for url in (f"{URL}{people.theirs.pk}/", f"{URL}{people.theirs.pk}/read/"):
        method = "post" if url.endswith("read/") else "get"
        scope_matrix(client, url, method=method, out_of_scope=[people.me])
    scope_matrix(
        client, f"{URL}{people.mine.pk}/", permitted=people.me, out_of_scope=[people.other]
    )
    scope_matrix(client, URL, permitted=people.me)
    scope_matrix(client, f"{URL}unread-count/", permitted=people.me)
    people.theirs.refresh_from_db()
    assert people.theirs.read_at is None
    client.force_login(people.me)
    assert client.get(f"{URL}abc/").status_code == 404
    assert _post(client, f"{URL}abc/read/").status_code == 404


def test_reading_through_get_marks_nothing(people, client):
    client.force_login(people.me)
    body = client.get(f"{URL}{people.mine.pk}/").json()
    assert [n["text"] for n in body["notices"]] == ["一号表被退回", "二号表被退回"]
    people.mine.refresh_from_db()
    assert people.mine.read_at is None


def test_read_as_the_page(people, client, clock):
    now = clock.move_to("2026-04-10 09:00", tick=False)
    client.force_login(people.me)
    page = client.post(reverse("notifications:notification_read", args=[people.mine_older.pk]))
    assert page.status_code == 302
    response = _post(client, f"{URL}{people.mine.pk}/read/")
    assert response.status_code == 200, response.content
    assert response.json()["is_read"] is True
    by_page = Notification.objects.get(pk=people.mine_older.pk)
    by_api = Notification.objects.get(pk=people.mine.pk)
    assert by_page.read_at == by_api.read_at == now
    # reading it again keeps the first time
    clock.shift(minutes=5)
    _post(client, f"{URL}{people.mine.pk}/read/")
    by_api.refresh_from_db()
    assert by_api.read_at == by_page.read_at
    assert client.get(f"{URL}unread-count/").json() == {"unread": 0}


def test_read_all_as_the_page(people, client, clock):
    mine_too = _digest_for(people.me, "再一条", day=DAY + datetime.timedelta(days=1))
    now = clock.move_to("2026-04-10 09:00", tick=False)
    client.force_login(people.me)
    response = _post(client, f"{URL}read-all/")
    assert response.status_code == 200, response.content
    assert response.json() == {"marked": 3, "unread": 0}
    assert not Notification.objects.filter(recipient=people.me, read_at__isnull=True).exists()
    # another person's are untouched
    people.theirs.refresh_from_db()
    assert people.theirs.read_at is None
    # the page's button does the same for the other person
    client.force_login(people.other)
    assert client.post(reverse("notifications:read_all")).status_code == 302
    people.theirs.refresh_from_db()
    mine_too.refresh_from_db()
    assert people.theirs.read_at == mine_too.read_at == now
    assert _post(client, f"{URL}read-all/").json() == {"marked": 0, "unread": 0}
