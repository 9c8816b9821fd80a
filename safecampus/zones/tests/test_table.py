"""The lifecycle tables obeyed: every status × action × role of ``CASES`` (through
``services.act_on_case``) and of ``VENUES`` (through the register's services) does exactly what
the table says, and a refusal changes nothing.

One test per starting status builds its world once and tries every action × role in it, each
attempt inside a savepoint rolled back afterwards, so each starts from the same record."""

from __future__ import annotations

import datetime
from collections import defaultdict
from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404

from safecampus.core.access import roles_on
from safecampus.core.testing import lifecycle_cases
from safecampus.hazards.tests.helpers import temporary_media
from safecampus.zones import services
from safecampus.zones.choices import CaseAction, CaseStatus, VenueAction, VenueStatus
from safecampus.zones.lifecycle import CASES, VENUES
from safecampus.zones.models import Venue, ZoneCase

from .test_cases_helpers import CASE_ROLES, case_world, photo

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

#: what the venue is when its case is in each status (as the services leave it)
VENUE_OF_CASE = {
    CaseStatus.OPEN: VenueStatus.OPERATING,
    CaseStatus.RECTIFYING: VenueStatus.RECTIFYING,
    CaseStatus.SUBMITTED: VenueStatus.CLOSED,
    CaseStatus.CLOSED: VenueStatus.CLOSED,
    CaseStatus.LAPSED: VenueStatus.OPERATING,
}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    temporary_media(settings, tmp_path)


def _case_state(case) -> dict:
    row = ZoneCase.objects.get(pk=case.pk)
    return {
        "status": row.status,
        "version": row.version,
        "deadline": row.deadline,
        "events": row.events.count(),
        "evidence": row.evidence.count(),
    }


def _by_status(lifecycle, roles) -> dict[str, list[tuple[str, str, bool]]]:
    grouped: dict[str, list[tuple[str, str, bool]]] = defaultdict(list)
    for param in lifecycle_cases(lifecycle, roles):
        status, action, role, allowed = param.values
        grouped[status].append((action, role, allowed))
    return grouped


CASE_TABLE = _by_status(CASES, CASE_ROLES)
VENUE_TABLE = _by_status(VENUES, CASE_ROLES)


@contextmanager
def attempt(*label):
    """One attempt, undone afterwards; a failure names the status, action and role."""
    sid = transaction.savepoint()
    try:
        yield
    except AssertionError as exc:
        raise AssertionError(f"{' '.join(map(str, label))}: {exc}") from exc
    finally:
        transaction.savepoint_rollback(sid)


#: the deadline an assignment or extension gives: 20 days after today, whatever day that is
DEADLINE_DAYS = 20


def _inputs(action: str, today: datetime.date) -> tuple[dict, list]:
    data = {"note": "已处理"}
    if action in (CaseAction.ASSIGN, CaseAction.EXTEND):
        data["deadline"] = (today + datetime.timedelta(days=DEADLINE_DAYS)).isoformat()
    if action == CaseAction.RECORD_RELOCATION:
        data["address"] = "远处路9号"
    files = [photo()] if action == CaseAction.ADD_EVIDENCE else []
    return data, files


def _act(user, case, action, today) -> str:
    data, files = _inputs(action, today)
    try:
        with transaction.atomic():
            services.act_on_case(
                actor=user,
                case_id=case.pk,
                action=action,
                data=data,
                files=files,
                version=case.version,
            )
    except ValidationError as exc:
        return exc.code or "invalid"
    except PermissionDenied:
        return "forbidden"
    except Http404:
        return "not_found"
    return "ok"


@pytest.mark.parametrize("status", CaseStatus.values)
def test_every_case_action_and_role_obeys_the_table(world, clock, status):
    cw = case_world(world)
    ZoneCase.objects.filter(pk=cw.case.pk).update(status=status)
    Venue.objects.filter(pk=cw.venue.pk).update(status=VENUE_OF_CASE[status])
    for action, role, allowed in CASE_TABLE[status]:
        with attempt(status, action, role):
            _check_case_move(cw, status, action, role, allowed, clock.today)


def _check_case_move(cw, status, action, role, allowed, today):
    case = cw.fresh()
    user = cw.users[role]
    assert role in roles_on(user, case)
    move = CASES.find(action, status)
    before = _case_state(case)
    outcome = _act(user, case, action, today)
    if allowed and not move.internal:
        assert outcome == "ok", outcome
        after = _case_state(case)
        assert after["status"] == move.leads(status)
        assert (after["version"], after["events"]) == (before["version"] + 1, before["events"] + 1)
        event = ZoneCase.objects.get(pk=case.pk).events.order_by("pk").last()
        assert (event.action, event.from_status, event.to_status, event.actor) == (
            action,
            status,
            move.leads(status),
            user,
        )
        assert event.actor_role == role
    else:
        # not in the table, a role the move does not name, or the check's own move (never by
        # hand, whoever asks)
        expected = "invalid_transition" if move is None else "not_allowed"
        assert outcome == expected, outcome
        assert _case_state(case) == before


def test_the_checks_own_moves_are_never_offered_as_buttons(world, clock):
    cw = case_world(world)
    internal = {m.action for m in CASES.moves if m.internal}
    for status in CaseStatus.values:
        ZoneCase.objects.filter(pk=cw.case.pk).update(status=status)
        case = cw.fresh()
        for role in CASE_ROLES:
            user = cw.users[role]
            assert not internal & set(CASES.allowed(case, roles_on(user, case)))


# --- venues -------------------------------------------------------------------------------------


def _venue_state(venue) -> dict:
    row = Venue.objects.get(pk=venue.pk)
    return {
        "status": row.status,
        "version": row.version,
        "events": row.events.count(),
        "name": row.name,
        "lon": row.longitude,
    }


def _venue_act(user, venue, action) -> str:
    try:
        with transaction.atomic():
            if action == VenueAction.EDIT:
                services.update_venue(
                    actor=user, venue_id=venue.pk, data={"name": "改名网吧"}, version=venue.version
                )
            elif action == VenueAction.MOVE:
                services.update_venue(
                    actor=user,
                    venue_id=venue.pk,
                    data={"longitude": str(venue.longitude + Decimal("0.0001"))},
                    version=venue.version,
                )
            elif action in VenueAction.values:
                services.venue_status(
                    actor=user,
                    venue_id=venue.pk,
                    action=action,
                    reason="理由",
                    version=venue.version,
                )
            else:
                return "internal"
    except ValidationError as exc:
        return exc.code or "invalid"
    except PermissionDenied:
        return "forbidden"
    except Http404:
        return "not_found"
    return "ok"


@pytest.mark.parametrize("status", VenueStatus.values)
def test_every_venue_action_and_role_obeys_the_table(world, clock, status):
    # a venue with no open case (its case lapsed), so the register's buttons apply
    cw = case_world(world)
    ZoneCase.objects.filter(venue=cw.venue).update(status=CaseStatus.LAPSED)
    Venue.objects.filter(pk=cw.venue.pk).update(status=status)
    for action, role, allowed in VENUE_TABLE[status]:
        with attempt(status, action, role):
            _check_venue_move(cw, status, action, role, allowed)


def _check_venue_move(cw, status, action, role, allowed):
    venue = Venue.objects.get(pk=cw.venue.pk)
    user = cw.users[role]
    move = VENUES.find(action, status)
    before = _venue_state(venue)
    outcome = _venue_act(user, venue, action)
    if action not in VenueAction.values:
        assert move is None or move.internal
        # a case's move: the register's services never take it by hand
        assert outcome == "internal"
        assert _venue_state(venue) == before
        return
    held = roles_on(user, venue)
    if allowed and role in held:
        assert outcome == "ok", outcome
        after = _venue_state(venue)
        assert after["status"] == move.leads(status)
        assert after["events"] == before["events"] + 1
    else:
        # not in the table, a role that does not keep the register, or no role on the venue
        assert outcome in ("invalid_transition", "not_allowed", "forbidden", "not_found")
        if move is None and role in held and role in (VENUES.moves[0].roles):
            assert outcome == "invalid_transition"
        assert _venue_state(venue) == before


def test_the_venue_follows_its_case(world, clock):
    """The table's case moves of a venue, driven by the case: assign → rectifying, a recorded
    closure → closed, a rejection → rectifying again, an exemption → exempt."""
    cw = case_world(world)
    law, partner = cw.z.law_officer, cw.users["partner"]
    later = (clock.today + datetime.timedelta(days=DEADLINE_DAYS)).isoformat()

    def act(user, action, **data):
        case = cw.fresh()
        services.act_on_case(
            actor=user, case_id=case.pk, action=action, data={"note": "x", **data},
            version=case.version,
        )  # fmt: skip
        return Venue.objects.get(pk=cw.venue.pk).status

    assert act(law, CaseAction.ASSIGN, deadline=later) == VenueStatus.RECTIFYING
    assert act(partner, CaseAction.RECORD_CLOSURE) == VenueStatus.CLOSED
    assert act(law, CaseAction.REJECT) == VenueStatus.RECTIFYING
    assert act(law, CaseAction.EXEMPT) == VenueStatus.EXEMPT
    assert cw.fresh().status == CaseStatus.CLOSED
