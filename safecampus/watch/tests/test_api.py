"""The API: scope as the pages, the refusal JSON, the flows, pinned query counts."""

from __future__ import annotations

import json

import pytest

from safecampus.core.roles import Role
from safecampus.core.testing import scope_matrix
from safecampus.watch.choices import Post, RosterStatus
from safecampus.watch.models import DutyLogEntry, Shift
from safecampus.watch.testing import at, cover_leaders, shift

pytestmark = pytest.mark.dates


def post(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


def test_roster_detail_scope(client, w, others):
    scope_matrix(
        client,
        f"/api/v1/watch-rosters/{w.roster_a.pk}/",
        permitted=w.world.users[Role.SCHOOL_OFFICER],
        out_of_scope=[others["school_b"], others["centre_other"]],
        wrong_role=[w.world.users[Role.PARTNER], w.world.users[Role.AUDITOR]],
    )


def test_lists_scope(client, w, others):
    for url in (
        "/api/v1/watch-periods/",
        "/api/v1/watch-rosters/",
        "/api/v1/watch-missed/",
        "/api/v1/watch-log/",
    ):
        scope_matrix(
            client,
            url,
            permitted=w.world.users[Role.LEADERSHIP],
            wrong_role=[w.world.users[Role.PARTNER], w.world.users[Role.AUDITOR]],
        )


def test_a_school_sees_its_roster_and_the_bureaus_only(client_for, w, others):
    c = client_for(others["school_b"])
    ids = {r["id"] for r in c.get("/api/v1/watch-rosters/").json()["results"]}
    assert ids == {w.bureau_roster.pk}


def test_shift_create_refusals_and_success(client_for, w):
    c = client_for(w.world.users[Role.SCHOOL_OFFICER])
    base = {"roster": w.roster_a.pk, "post": Post.OFFICER, "person_name": "王五"}
    r = post(
        c,
        "/api/v1/watch-shifts/",
        {**base, "starts_at": at(6, 8).isoformat(), "ends_at": at(6, 8).isoformat()},
    )
    assert r.status_code == 400 and r.json()["code"] == "invalid"
    assert "ends_at" in r.json()["errors"]
    shift(w.bureau_roster, at(6, 8), at(6, 20), name="王五", phone="")
    r = post(
        c,
        "/api/v1/watch-shifts/",
        {**base, "starts_at": at(6, 19).isoformat(), "ends_at": at(6, 23).isoformat()},
    )
    assert r.status_code == 400 and r.json()["code"] == "overlap"
    r = post(
        c,
        "/api/v1/watch-shifts/",
        {**base, "starts_at": at(6, 20).isoformat(), "ends_at": at(6, 23).isoformat()},
    )
    assert r.status_code == 201, r.json()
    assert Shift.objects.filter(roster=w.roster_a).count() == 1
    # the bureau's roster: visible to the school, not its to keep
    r = post(
        c,
        "/api/v1/watch-shifts/",
        {
            **base,
            "roster": w.bureau_roster.pk,
            "starts_at": at(7, 8).isoformat(),
            "ends_at": at(7, 9).isoformat(),
        },
    )
    assert r.status_code == 403


def test_publish_not_covered_then_published_and_swap(client_for, w):
    c = client_for(w.world.users[Role.SCHOOL_OFFICER])
    cover_leaders(w.roster_a, days=w.period.days()[2:])
    r = c.post(f"/api/v1/watch-rosters/{w.roster_a.pk}/publish/")
    assert r.status_code == 400 and r.json()["code"] == "not_covered"
    assert r.json()["message"].startswith("2月6日、2月7日")
    cover_leaders(w.roster_a, days=w.period.days()[:2])
    r = c.post(f"/api/v1/watch-rosters/{w.roster_a.pk}/publish/")
    assert r.status_code == 200 and r.json()["status"] == RosterStatus.PUBLISHED
    assert "swap" in r.json()["allowed_actions"]
    s = w.roster_a.shifts.first()
    r = post(c, f"/api/v1/watch-shifts/{s.pk}/swap/", {"person_name": "赵六"})
    assert r.status_code == 400 and r.json()["code"] == "reason_required"
    r = post(c, f"/api/v1/watch-shifts/{s.pk}/swap/", {"person_name": "赵六", "reason": "生病"})
    assert r.status_code == 200 and r.json()["person_name"] == "赵六"
    r = c.delete(f"/api/v1/watch-shifts/{s.pk}/")
    assert r.status_code == 409 and r.json()["code"] == "invalid_transition"


def test_check_in_through_the_api(client_for, clock, w):
    me = w.world.users[Role.SCHOOL_OFFICER]
    cover_leaders(w.roster_a)
    s = shift(w.roster_a, at(6, 20), at(7, 8), name="", person=me)
    w.roster_a.status = RosterStatus.PUBLISHED
    w.roster_a.save()
    clock.move_to(at(6, 19, 29))
    c = client_for(me)
    r = post(c, "/api/v1/watch-log/", {"shift": s.pk, "kind": "check_in"})
    assert r.status_code == 400 and r.json()["code"] == "not_started"
    clock.move_to(at(6, 19, 45))
    r = post(c, "/api/v1/watch-log/", {"shift": s.pk, "kind": "check_in"})
    assert r.status_code == 201
    r = post(c, "/api/v1/watch-log/", {"shift": s.pk, "kind": "check_in"})
    assert r.status_code == 400 and r.json()["code"] == "already_recorded"
    assert DutyLogEntry.objects.count() == 1
    r = c.get(f"/api/v1/watch-log/?shift={s.pk}")
    assert r.json()["count"] == 1


def test_missed_list_and_query_count(client_for, clock, w, django_assert_max_num_queries):
    cover_leaders(w.roster_a)
    w.roster_a.status = RosterStatus.PUBLISHED
    w.roster_a.save()
    clock.move_to(at(9, 12))
    c = client_for(w.world.users[Role.SAFETY_CENTRE])
    c.get("/api/v1/watch-missed/")
    with django_assert_max_num_queries(8):
        r = c.get(f"/api/v1/watch-missed/?period={w.period.pk}")
    assert r.json()["count"] == 4
    assert all(row["missed"] for row in r.json()["results"])


def test_periods_and_rosters_created_through_the_api(client_for, w, others):
    centre = client_for(w.world.users[Role.SAFETY_CENTRE])
    r = post(
        centre,
        "/api/v1/watch-periods/",
        {
            "name": "2027年清明节",
            "kind": "holiday",
            "starts_on": "2027-04-03",
            "ends_on": "2027-04-05",
        },
    )
    assert r.status_code == 201, r.json()
    period_id = r.json()["id"]
    r = post(
        centre,
        "/api/v1/watch-periods/",
        {"name": "坏的", "kind": "holiday", "starts_on": "2027-04-05", "ends_on": "2027-04-03"},
    )
    assert r.status_code == 400 and r.json()["code"] == "invalid"
    r = centre.put(
        f"/api/v1/watch-periods/{period_id}/",
        json.dumps(
            {
                "name": "2027年清明节",
                "kind": "holiday",
                "starts_on": "2027-04-03",
                "ends_on": "2027-04-06",
            }
        ),
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["ends_on"] == "2027-04-06"
    school = client_for(w.world.users[Role.SCHOOL_OFFICER])
    r = post(
        school,
        "/api/v1/watch-periods/",
        {"name": "x", "kind": "other", "starts_on": "2027-04-03", "ends_on": "2027-04-03"},
    )
    assert r.status_code == 403
    r = post(school, "/api/v1/watch-rosters/", {"period": period_id, "school": w.world.school_a.pk})
    assert r.status_code == 201 and r.json()["status"] == "draft"
    r = post(school, "/api/v1/watch-rosters/", {"period": period_id})
    assert r.status_code == 403  # the bureau's own roster is the centre's
    r = post(school, "/api/v1/watch-rosters/", {"period": period_id, "school": w.world.school_b.pk})
    assert r.status_code == 404  # another school
    r = post(client_for(others["centre_other"]), "/api/v1/watch-rosters/", {"period": period_id})
    assert r.status_code == 404
