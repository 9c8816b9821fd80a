"""Fixes from a user walk-through: who is offered on a shift, each shift shown once, publishing
a period under way, the swap's error on the field chosen, the handover field of the duty log."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from safecampus.core.roles import Role
from safecampus.watch import services
from safecampus.watch.choices import LogKind, Post, RosterStatus
from safecampus.watch.models import DutyLogEntry, Roster
from safecampus.watch.testing import at, cover_leaders, shift

pytestmark = pytest.mark.dates


def u(world, role):
    return world.users[role]


def _options(html: str, name: str = "person") -> str:
    select = re.search(rf'<select name="{name}".*?</select>', html, re.S)
    assert select, name
    return select.group(0)


# --- 1. the person select ----------------------------------------------------------------------


def test_the_bureau_roster_offers_business_roles_only(client_for, w):
    world = w.world
    c = client_for(u(world, Role.SAFETY_CENTRE))
    html = c.get(reverse("watch:shift_create", args=[w.bureau_roster.pk])).content.decode()
    select = _options(html)
    for role in (Role.SAFETY_CENTRE, Role.LEADERSHIP, Role.INSPECTOR, Role.DEPARTMENT_OFFICER):
        assert f"（{u(world, role).username}）" in select, role
    for role in (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR):
        assert f"（{u(world, role).username}）" not in select, role
    assert "---------" not in select
    assert "请选择" in select


def test_the_school_roster_and_the_swap_form_offer_the_school_staff(client_for, w):
    world = w.world
    c = client_for(u(world, Role.SCHOOL_OFFICER))
    html = c.get(reverse("watch:shift_create", args=[w.roster_a.pk])).content.decode()
    select = _options(html)
    assert "（principal_a）" in select and "（auditor）" not in select
    cover_leaders(w.roster_a)
    s = shift(w.roster_a, at(6, 8), at(6, 20))
    w.roster_a.status = RosterStatus.PUBLISHED
    w.roster_a.save()
    html = c.get(reverse("watch:shift_swap", args=[w.roster_a.pk, s.pk])).content.decode()
    select = _options(html)
    assert "（principal_a）" in select and "---------" not in select and "请选择" in select


def test_an_auditor_is_refused_on_a_shift(w):
    world = w.world
    with pytest.raises(ValidationError) as exc:
        services.shift_add(
            actor=u(world, Role.SAFETY_CENTRE),
            roster=w.bureau_roster,
            data={
                "post": Post.OFFICER,
                "person": u(world, Role.AUDITOR),
                "person_name": "",
                "phone": "",
                "starts_at": at(6, 8),
                "ends_at": at(6, 20),
            },
            now=at(1, 10, month=1),
        )
    assert "person" in exc.value.message_dict
    assert not w.bureau_roster.shifts.exists()


# --- 2. each shift once, under the day it starts -----------------------------------------------


def test_a_night_shift_shows_once_under_its_first_day(client_for, w):
    cover_leaders(w.roster_a)  # 7 day shifts
    night = shift(w.roster_a, at(6, 20), at(7, 8), name="门卫 王师傅", post=Post.GUARD)
    c = client_for(u(w.world, Role.SAFETY_CENTRE))
    html = c.get(reverse("watch:roster_detail", args=[w.roster_a.pk])).content.decode()
    assert html.count('data-testid="shift-hours"') == 8
    assert html.count(f'data-testid="shift-{night.pk}"') == 1
    day6 = html.index('data-testid="day-2027-02-06"')
    day7 = html.index('data-testid="day-2027-02-07"')
    assert day6 < html.index(f'data-testid="shift-{night.pk}"') < day7
    assert "20:00 至次日08:00" in html
    assert "09:00–17:00" in html


# --- 3. publishing a period under way ----------------------------------------------------------


def test_a_period_under_way_needs_leaders_from_today_only(w):
    school = u(w.world, Role.SCHOOL_OFFICER)
    cover_leaders(w.roster_a, days=w.period.days()[3:])  # 9日–12日
    with pytest.raises(ValidationError) as exc:
        services.roster_publish(actor=school, roster=w.roster_a, now=at(8, 10))
    message = exc.value.messages[0]
    assert "2月8日" in message and "2月6日" not in message and "今天" in message
    services.roster_publish(actor=school, roster=w.roster_a, now=at(9, 0, 30))
    w.roster_a.refresh_from_db()
    assert w.roster_a.status == RosterStatus.PUBLISHED


def test_a_period_not_yet_started_needs_every_day(w):
    school = u(w.world, Role.SCHOOL_OFFICER)
    cover_leaders(w.roster_a, days=w.period.days()[3:])
    with pytest.raises(ValidationError) as exc:
        services.roster_publish(actor=school, roster=w.roster_a, now=at(6, 0, 0))
    assert "2月6日" in exc.value.messages[0]
    assert Roster.objects.get(pk=w.roster_a.pk).status == RosterStatus.DRAFT


def test_the_page_says_which_days_need_a_leader(client_for, clock, w):
    cover_leaders(w.roster_a, days=w.period.days()[3:])
    clock.move_to(at(8, 10))
    c = client_for(u(w.world, Role.SCHOOL_OFFICER))
    html = c.get(reverse("watch:roster_detail", args=[w.roster_a.pk])).content.decode()
    box = re.search(r'data-testid="uncovered">(.*?)</div>', html, re.S).group(1)
    assert "2月8日" in box and "2月6日" not in box
    assert 'data-testid="under-way-note"' in html


# --- 4. the swap's "already this person's" on the field chosen ---------------------------------


def test_the_swap_to_the_same_account_errs_on_the_account_field(client_for, w):
    world = w.world
    me = u(world, Role.PRINCIPAL)
    cover_leaders(w.roster_a)
    s = shift(w.roster_a, at(6, 8), at(6, 20), name="", person=me)
    w.roster_a.status = RosterStatus.PUBLISHED
    w.roster_a.save()
    with pytest.raises(ValidationError) as exc:
        services.shift_swap(
            actor=u(world, Role.SCHOOL_OFFICER),
            shift=s,
            data={"person": me, "person_name": "", "phone": "", "reason": "调休"},
            now=at(1, 10),
        )
    assert set(exc.value.message_dict) == {"person"}
    s2 = shift(w.roster_a, at(7, 8), at(7, 20), name="王五", phone="1")
    with pytest.raises(ValidationError) as exc:
        services.shift_swap(
            actor=u(world, Role.SCHOOL_OFFICER),
            shift=s2,
            data={"person": None, "person_name": "王五", "phone": "1", "reason": "调休"},
            now=at(1, 10),
        )
    assert set(exc.value.message_dict) == {"person_name"}


# --- 6. the handover field ---------------------------------------------------------------------


def test_the_next_shift_field_is_for_a_handover_only(client_for, clock, w):
    me = u(w.world, Role.SCHOOL_OFFICER)
    cover_leaders(w.roster_a)
    s = shift(w.roster_a, at(6, 8), at(6, 20), name="", person=me)
    after = shift(w.roster_a, at(6, 20), at(7, 8), name="门卫")
    w.roster_a.status = RosterStatus.PUBLISHED
    w.roster_a.save()
    services.log_record(actor=me, shift=s, kind=LogKind.CHECK_IN, now=at(6, 7, 55))
    clock.move_to(at(6, 12))
    c = client_for(me)
    html = c.get(reverse("watch:shift_detail", args=[s.pk])).content.decode()
    assert "data-handover-only" in html and "watch/duty_log.js" in html
    script = Path(__file__).resolve().parents[1] / "static" / "watch" / "duty_log.js"
    assert '"handover"' in script.read_text(encoding="utf-8")
    c.post(
        reverse("watch:shift_log", args=[s.pk]),
        {"kind": "event", "note": "门口有车辆违停，已劝离", "next_shift": after.pk},
    )
    entry = DutyLogEntry.objects.get(shift=s, kind=LogKind.EVENT)
    assert entry.next_shift is None
