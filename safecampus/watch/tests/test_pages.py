"""The pages: scope (another school 404, a partner or auditor 403, a school cannot keep the
bureau's roster 403), the flows behind the buttons, pinned query counts."""

from __future__ import annotations

import pytest
from django.urls import reverse

from safecampus.core.roles import Role
from safecampus.core.testing import count_queries, scope_matrix
from safecampus.watch.choices import Post, RosterStatus
from safecampus.watch.models import Roster, Shift, WatchPeriod
from safecampus.watch.testing import at, cover_leaders, shift

pytestmark = pytest.mark.dates


def u(world, role):
    return world.users[role]


def test_period_list_scope(client, w, others):
    world = w.world
    scope_matrix(
        client,
        reverse("watch:period_list"),
        permitted=u(world, Role.SCHOOL_OFFICER),
        wrong_role=[u(world, Role.PARTNER), u(world, Role.AUDITOR)],
    )


def test_period_detail_scope(client, w, others):
    world = w.world
    scope_matrix(
        client,
        reverse("watch:period_detail", args=[w.period.pk]),
        permitted=u(world, Role.LEADERSHIP),
        out_of_scope=[others["centre_other"]],
        wrong_role=[u(world, Role.PARTNER), u(world, Role.AUDITOR)],
    )


def test_roster_detail_scope(client, w, others):
    world = w.world
    scope_matrix(
        client,
        reverse("watch:roster_detail", args=[w.roster_a.pk]),
        permitted=u(world, Role.SCHOOL_OFFICER),
        out_of_scope=[others["school_b"], others["centre_other"]],
        wrong_role=[u(world, Role.PARTNER), u(world, Role.AUDITOR)],
    )


def test_a_school_cannot_keep_the_bureau_roster(client, w):
    world = w.world
    scope_matrix(
        client,
        reverse("watch:shift_create", args=[w.bureau_roster.pk]),
        permitted=u(world, Role.SAFETY_CENTRE),
        wrong_role=[u(world, Role.SCHOOL_OFFICER), u(world, Role.LEADERSHIP)],
    )


def test_edit_pages_scope(client, w, others):
    world = w.world
    s = shift(w.roster_a, at(6, 8), at(6, 20))
    for url in (
        reverse("watch:shift_create", args=[w.roster_a.pk]),
        reverse("watch:shift_edit", args=[w.roster_a.pk, s.pk]),
        reverse("watch:roster_import", args=[w.roster_a.pk]),
    ):
        scope_matrix(
            client,
            url,
            permitted=u(world, Role.PRINCIPAL),
            out_of_scope=[others["school_b"]],
            wrong_role=[u(world, Role.PARTNER), u(world, Role.INSPECTOR)],
        )


def test_period_pages_are_the_centres(client, w, others):
    world = w.world
    scope_matrix(
        client,
        reverse("watch:period_edit", args=[w.period.pk]),
        permitted=u(world, Role.SAFETY_CENTRE),
        out_of_scope=[others["centre_other"]],
        wrong_role=[u(world, Role.SCHOOL_OFFICER)],
    )
    scope_matrix(
        client,
        reverse("watch:period_create"),
        permitted=u(world, Role.SAFETY_CENTRE),
        wrong_role=[u(world, Role.SCHOOL_OFFICER), u(world, Role.LEADERSHIP)],
    )


def test_the_centre_creates_a_period(client_for, w):
    c = client_for(u(w.world, Role.SAFETY_CENTRE))
    r = c.post(
        reverse("watch:period_create"),
        {
            "name": "2027年清明节",
            "kind": "holiday",
            "starts_on": "2027-04-03",
            "ends_on": "2027-04-05",
        },
    )
    assert r.status_code == 302
    assert WatchPeriod.objects.filter(name="2027年清明节", bureau=w.world.bureau).exists()
    bad = c.post(
        reverse("watch:period_create"),
        {"name": "坏的", "kind": "holiday", "starts_on": "2027-04-05", "ends_on": "2027-04-03"},
    )
    assert bad.status_code == 400
    assert not WatchPeriod.objects.filter(name="坏的").exists()


def test_generate_for_an_unknown_year_says_so(client_for, w):
    c = client_for(u(w.world, Role.SAFETY_CENTRE))
    r = c.get(reverse("watch:period_generate") + "?year=2031")
    assert r.status_code == 200
    assert "2031" in r.content.decode()
    assert b"generate-refusal" in r.content


def test_generate_creates_the_holidays(client_for, w):
    c = client_for(u(w.world, Role.SAFETY_CENTRE))
    r = c.post(
        reverse("watch:period_generate"), {"year": "2026", "names": ["2026年春节", "2026年劳动节"]}
    )
    assert r.status_code == 302
    names = set(WatchPeriod.objects.filter(bureau=w.world.bureau).values_list("name", flat=True))
    assert {"2026年春节", "2026年劳动节"} <= names and "2026年国庆节" not in names


def test_a_school_draws_up_and_publishes_its_roster(client_for, w):
    world = w.world
    w.roster_a.delete()
    c = client_for(u(world, Role.SCHOOL_OFFICER))
    r = c.post(reverse("watch:roster_create", args=[w.period.pk]), {"school": world.school_a.pk})
    roster = Roster.objects.get(period=w.period, school=world.school_a)
    assert r["Location"] == roster.get_absolute_url()
    r = c.post(
        reverse("watch:shift_create", args=[roster.pk]),
        {
            "post": Post.LEADER,
            "starts_at": "2027-02-06T08:00",
            "ends_at": "2027-02-06T07:00",
            "person_name": "李校长",
        },
    )
    assert r.status_code == 400 and not Shift.objects.exists()
    cover_leaders(roster, days=w.period.days()[:-1])
    r = c.post(reverse("watch:roster_publish", args=[roster.pk]), follow=True)
    assert "2月12日无带班领导" in r.content.decode()
    roster.refresh_from_db()
    assert roster.status == RosterStatus.DRAFT
    cover_leaders(roster, days=w.period.days()[-1:])
    c.post(reverse("watch:roster_publish", args=[roster.pk]))
    roster.refresh_from_db()
    assert roster.status == RosterStatus.PUBLISHED


def test_a_school_sees_only_its_own_row_and_the_bureau_roster(client_for, w):
    r = client_for(u(w.world, Role.SCHOOL_OFFICER)).get(
        reverse("watch:period_detail", args=[w.period.pk])
    )
    body = r.content.decode()
    assert w.world.school_a.name in body and w.world.school_b.name not in body
    assert reverse("watch:roster_detail", args=[w.bureau_roster.pk]) in body


def test_roster_list_filters_and_query_count(client_for, w):
    from safecampus.core.testing import SchoolFactory

    for _i in range(15):
        SchoolFactory(bureau=w.world.bureau)
    c = client_for(u(w.world, Role.SAFETY_CENTRE))
    url = reverse("watch:period_detail", args=[w.period.pk])
    assert count_queries(c, url) <= 9  # 17 schools: no query per row
    r = c.get(url + "?status=missing")
    assert w.world.school_a.name not in r.content.decode()
    assert "16" in r.content.decode() or "17" in r.content.decode()
    r = c.get(url + "?status=draft")
    assert w.world.school_a.name in r.content.decode()


def test_my_shifts_check_in_and_log(client_for, clock, w):
    world = w.world
    me = u(world, Role.SCHOOL_OFFICER)
    cover_leaders(w.roster_a)
    s = shift(w.roster_a, at(6, 8), at(6, 20), name="", person=me)
    for i in range(5):
        shift(w.roster_a, at(7 + i, 8), at(7 + i, 20), name="", person=me)
    w.roster_a.status = RosterStatus.PUBLISHED
    w.roster_a.save()
    clock.move_to(at(6, 7, 45))
    c = client_for(me)
    url = reverse("watch:my_shifts")
    assert count_queries(c, url) <= 5  # six of the user's shifts: no query per row
    r = c.get(url)
    assert f"check-in-{s.pk}" in r.content.decode()
    r = c.post(reverse("watch:shift_log", args=[s.pk]), {"kind": "check_in", "next": "mine"})
    assert r.status_code == 302
    s.refresh_from_db()
    assert s.checked_in_at is not None
    c.post(
        reverse("watch:shift_log", args=[s.pk]), {"kind": "call", "note": "家长来电询问返校时间"}
    )
    r = c.get(reverse("watch:shift_detail", args=[s.pk]))
    assert "家长来电询问返校时间" in r.content.decode()


def test_shift_detail_scope(client, w, others):
    s = shift(w.roster_a, at(6, 8), at(6, 20))
    scope_matrix(
        client,
        reverse("watch:shift_detail", args=[s.pk]),
        permitted=u(w.world, Role.PRINCIPAL),
        out_of_scope=[others["school_b"]],
        wrong_role=[u(w.world, Role.PARTNER)],
    )


def test_missed_list(client_for, clock, w, others):
    cover_leaders(w.roster_a)
    w.roster_a.status = RosterStatus.PUBLISHED
    w.roster_a.save()
    clock.move_to(at(6, 9, 31))
    url = reverse("watch:missed_list")
    r = client_for(u(w.world, Role.SAFETY_CENTRE)).get(url + f"?period={w.period.pk}")
    assert r.content.decode().count('data-testid="missed-row"') == 1
    r = client_for(others["school_b"]).get(url)
    assert 'data-testid="missed-row"' not in r.content.decode()
    c = client_for(u(w.world, Role.SAFETY_CENTRE))
    assert count_queries(c, url) <= 9


def test_roster_detail_query_count(client_for, w):
    cover_leaders(w.roster_a)
    shift(w.roster_a, at(6, 20), at(7, 8), name="门卫", post=Post.GUARD)
    c = client_for(u(w.world, Role.SAFETY_CENTRE))
    assert count_queries(c, reverse("watch:roster_detail", args=[w.roster_a.pk])) <= 8
