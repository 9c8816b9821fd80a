"""Every remaining page and endpoint through the scope matrix: another school or bureau 404, a
role that does not reach it 403, the permitted user OK."""

from __future__ import annotations

import pytest
from django.urls import reverse

from safecampus.core.roles import Role
from safecampus.core.testing import scope_matrix
from safecampus.watch.choices import RosterStatus
from safecampus.watch.testing import at, cover_leaders, shift

pytestmark = pytest.mark.dates


@pytest.fixture
def pub(w):
    """School A's roster published, one shift ahead not yet checked in."""
    cover_leaders(w.roster_a)
    w.roster_a.status = RosterStatus.PUBLISHED
    w.roster_a.save()
    return w.roster_a.shifts.order_by("starts_at").first()


def _u(w, role):
    return w.world.users[role]


def test_read_pages(client, w, others, pub):
    world = w.world
    for url in (
        reverse("watch:roster_export", args=[w.roster_a.pk]),
        reverse("watch:roster_template", args=[w.roster_a.pk]),
    ):
        scope_matrix(
            client,
            url,
            permitted=_u(w, Role.INSPECTOR),
            out_of_scope=[others["school_b"], others["centre_other"]],
            wrong_role=[_u(w, Role.PARTNER), _u(w, Role.AUDITOR)],
        )
    for url in (reverse("watch:my_shifts"), reverse("watch:missed_list")):
        scope_matrix(
            client,
            url,
            permitted=_u(w, Role.SCHOOL_OFFICER),
            wrong_role=[_u(w, Role.PARTNER), _u(w, Role.SYSTEM_ADMIN)],
        )
    scope_matrix(
        client,
        reverse("watch:period_generate") + "?year=2026",
        permitted=_u(w, Role.SAFETY_CENTRE),
        wrong_role=[_u(w, Role.SCHOOL_OFFICER), world.users[Role.LEADERSHIP]],
    )


def test_swap_page(client, w, others, pub):
    scope_matrix(
        client,
        reverse("watch:shift_swap", args=[w.roster_a.pk, pub.pk]),
        permitted=_u(w, Role.PRINCIPAL),
        out_of_scope=[others["school_b"], others["centre_other"]],
        wrong_role=[_u(w, Role.PARTNER), _u(w, Role.LEADERSHIP)],
    )


@pytest.mark.parametrize("name", ["roster_publish", "roster_revise"])
def test_roster_moves(client, w, others, name):
    cover_leaders(w.roster_a)
    if name == "roster_revise":
        w.roster_a.status = RosterStatus.PUBLISHED
        w.roster_a.save()
    scope_matrix(
        client,
        reverse(f"watch:{name}", args=[w.roster_a.pk]),
        method="post",
        permitted=_u(w, Role.SCHOOL_OFFICER),
        out_of_scope=[others["school_b"], others["centre_other"]],
        wrong_role=[_u(w, Role.PARTNER), _u(w, Role.LEADERSHIP)],
    )
    w.roster_a.refresh_from_db()
    assert w.roster_a.status == (
        RosterStatus.PUBLISHED if name == "roster_publish" else RosterStatus.DRAFT
    )


def test_shift_delete_and_roster_create(client, w, others):
    s = shift(w.roster_a, at(6, 8), at(6, 20))
    scope_matrix(
        client,
        reverse("watch:shift_delete", args=[w.roster_a.pk, s.pk]),
        method="post",
        permitted=_u(w, Role.SAFETY_CENTRE),
        out_of_scope=[others["school_b"], others["centre_other"]],
        wrong_role=[_u(w, Role.PARTNER), _u(w, Role.INSPECTOR)],
    )
    assert not w.roster_a.shifts.exists()
    scope_matrix(
        client,
        reverse("watch:roster_create", args=[w.period.pk]),
        method="post",
        data={"school": w.world.school_b.pk},
        permitted=_u(w, Role.SAFETY_CENTRE),
        out_of_scope=[others["centre_other"]],
        wrong_role=[_u(w, Role.PARTNER)],
    )


def test_shift_log(client, clock, w, others, pub):
    clock.move_to(at(6, 8, 45))
    scope_matrix(
        client,
        reverse("watch:shift_log", args=[pub.pk]),
        method="post",
        data={"kind": "check_in"},
        permitted=_u(w, Role.PRINCIPAL),
        out_of_scope=[others["school_b"], others["centre_other"]],
        wrong_role=[_u(w, Role.PARTNER), _u(w, Role.AUDITOR)],
    )
    pub.refresh_from_db()
    assert pub.checked_in_at is not None


def test_api_details_and_actions(client, clock, w, others, pub):
    for url in (
        f"/api/v1/watch-periods/{w.period.pk}/",
        f"/api/v1/watch-shifts/{pub.pk}/",
    ):
        scope_matrix(
            client,
            url,
            permitted=_u(w, Role.SCHOOL_OFFICER),
            out_of_scope=[others["centre_other"]],
            wrong_role=[_u(w, Role.PARTNER), _u(w, Role.AUDITOR)],
        )
    scope_matrix(
        client,
        f"/api/v1/watch-shifts/{pub.pk}/swap/",
        method="post",
        data={"person_name": "赵六", "reason": "家中有事"},
        permitted=_u(w, Role.SCHOOL_OFFICER),
        out_of_scope=[others["school_b"], others["centre_other"]],
        wrong_role=[_u(w, Role.PARTNER), _u(w, Role.LEADERSHIP)],
    )
    scope_matrix(
        client,
        f"/api/v1/watch-rosters/{w.roster_a.pk}/revise/",
        method="post",
        data={},
        permitted=_u(w, Role.SAFETY_CENTRE),
        out_of_scope=[others["school_b"], others["centre_other"]],
        wrong_role=[_u(w, Role.PARTNER), _u(w, Role.INSPECTOR)],
    )
    s = shift(w.roster_a, at(9, 20), at(10, 8), name="夜班")
    scope_matrix(
        client,
        f"/api/v1/watch-shifts/{s.pk}/",
        method="put",
        data={
            "post": "officer",
            "person_name": "夜班",
            "starts_at": at(9, 21).isoformat(),
            "ends_at": at(10, 8).isoformat(),
        },
        permitted=_u(w, Role.PRINCIPAL),
        out_of_scope=[others["school_b"], others["centre_other"]],
        wrong_role=[_u(w, Role.PARTNER), _u(w, Role.LEADERSHIP)],
    )
    s.refresh_from_db()
    assert s.starts_at == at(9, 21)
    scope_matrix(
        client,
        f"/api/v1/watch-shifts/{s.pk}/",
        method="delete",
        ok=(204,),
        permitted=_u(w, Role.PRINCIPAL),
        out_of_scope=[others["school_b"], others["centre_other"]],
        wrong_role=[_u(w, Role.PARTNER), _u(w, Role.LEADERSHIP)],
    )
    w.roster_a.refresh_from_db()
    w.roster_a.status = RosterStatus.PUBLISHED
    w.roster_a.save()
    clock.move_to(at(6, 8, 45))
    first = w.roster_a.shifts.order_by("starts_at").first()
    scope_matrix(
        client,
        "/api/v1/watch-log/",
        method="post",
        data={"shift": first.pk, "kind": "check_in"},
        ok=(201,),
        permitted=_u(w, Role.SCHOOL_OFFICER),
        wrong_role=[_u(w, Role.PARTNER), _u(w, Role.AUDITOR)],
    )
    client.force_login(others["school_b"])
    r = client.post(
        "/api/v1/watch-log/",
        {"shift": first.pk, "kind": "check_out"},
        content_type="application/json",
    )
    assert r.status_code == 404
