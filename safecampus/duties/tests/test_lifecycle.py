"""The lifecycle table walked against the services: every (status, action) pair for every role,
each reached and tried through ``duties.services`` as a user of that role."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from safecampus.core.refusals import refusal_code
from safecampus.core.roles import Role
from safecampus.core.testing import lifecycle_cases
from safecampus.duties import services
from safecampus.duties.lifecycle import (
    ACCEPT_EXCUSE,
    ASK_EXCUSE,
    CORRECT,
    MISS,
    NOT_CREDIBLE,
    OCCURRENCES,
    RECORD,
    RECORD_LATE,
    RECORD_PART,
    REFUSE_EXCUSE,
)
from safecampus.duties.models import DutyRecord, Occurrence, OccurrenceEvent
from safecampus.duties.tests.edge_helpers import D, at, drill_data, drill_files

pytestmark = pytest.mark.dates

ROLES = [
    Role.SCHOOL_OFFICER,
    Role.PRINCIPAL,
    Role.DEPARTMENT_OFFICER,
    Role.SAFETY_CENTRE,
    Role.LEADERSHIP,
    Role.INSPECTOR,
    Role.PARTNER,
]
#: the school owns the drill, the department oversees it, the centre oversees every duty
OWNERS = {Role.SCHOOL_OFFICER, Role.PRINCIPAL}
OVERSEERS = {Role.DEPARTMENT_OFFICER, Role.SAFETY_CENTRE}
RECORDING = {RECORD, RECORD_LATE, RECORD_PART, CORRECT, ASK_EXCUSE}
#: within the window (1–30 November), in the grace (1–5 December)
IN_WINDOW, IN_GRACE = at(2026, 11, 20), at(2026, 12, 2)


def _reach(ew, occ, status):
    """Bring ``occ`` (the drill, or the 2/month duty for ``record_part``) to ``status`` through
    the services; returns its last record, if any."""
    school, centre = ew.school_officer, ew.centre
    rec = None
    data = (
        drill_data(at(2026, 11, 10)) if occ.code == "DRILL" else {"occurred_at": at(2026, 11, 10)}
    )
    files = drill_files() if occ.code == "DRILL" else None
    if status in ("done", "done_late"):
        when = at(2026, 11, 10) if status == "done" else at(2026, 12, 1, 9)
        data = {**data, "occurred_at": when}
        for _ in range(occ.required):
            rec = services.record(
                actor=school, occurrence_id=occ.pk, data=data, files=files, now=at(2026, 12, 1, 10)
            )
            files = drill_files() if files else None
    elif status in ("excuse_requested", "excused"):
        services.ask_excuse(actor=school, occurrence_id=occ.pk, reason="停课", now=IN_WINDOW)
        if status == "excused":
            services.decide_excuse(actor=centre, occurrence_id=occ.pk, accept=True, now=IN_WINDOW)
    elif status == "missed":
        services.sweep_missed(today=D(2026, 12, 6))
    assert Occurrence.objects.get(pk=occ.pk).status == status
    return rec


def _act(ew, user, occ, action, rec):
    """Try ``action`` on ``occ`` as ``user``, through the service that takes it."""
    is_drill = occ.code == "DRILL"
    files = drill_files() if is_drill else None
    if action in (RECORD, RECORD_PART, CORRECT):
        # a correction keeps the record's side of the window's end
        late = Occurrence.objects.get(pk=occ.pk).status == "done_late"
        when = at(2026, 12, 1, 9) if action == CORRECT and late else at(2026, 11, 12)
        return services.record(
            actor=user,
            occurrence_id=occ.pk,
            data=drill_data(when) if is_drill else {"occurred_at": when},
            files=files,
            supersedes=(rec.pk if rec else 0) if action == CORRECT else None,
            now=IN_GRACE,
        )
    if action == RECORD_LATE:
        when = at(2026, 12, 1, 9)
        return services.record(
            actor=user,
            occurrence_id=occ.pk,
            data=drill_data(when) if is_drill else {"occurred_at": when},
            files=files,
            now=IN_GRACE,
        )
    if action == ASK_EXCUSE:
        return services.ask_excuse(actor=user, occurrence_id=occ.pk, reason="停课", now=IN_GRACE)
    if action in (ACCEPT_EXCUSE, REFUSE_EXCUSE):
        return services.decide_excuse(
            actor=user,
            occurrence_id=occ.pk,
            accept=action == ACCEPT_EXCUSE,
            comment="理由不充分",
            now=IN_GRACE,
        )
    if action == NOT_CREDIBLE:
        return services.mark_not_credible(
            actor=user, occurrence_id=occ.pk, reason="照片重复", now=IN_GRACE
        )
    raise AssertionError(action)


@pytest.mark.parametrize(
    ("status", "action", "role", "allowed"), list(lifecycle_cases(OCCURRENCES, ROLES))
)
def test_every_pair_and_role_obeys_the_table(ew, status, action, role, allowed):
    if action == MISS:
        # the system's own move: the sweep, whoever is looking
        _reach(ew, ew.drill, status)
        services.sweep_missed(today=D(2026, 12, 6))
        after = Occurrence.objects.get(pk=ew.drill.pk).status
        assert after == ("missed" if status in ("due", "missed") else status)
        return
    occ = (
        Occurrence.objects.get(code="TWICE", school=ew.school_a, period_key="2026-M11")
        if action == RECORD_PART
        else ew.drill
    )
    if action == RECORD_PART and status in ("done", "done_late"):
        occ = ew.drill  # a one-record duty done: any further record is refused
    rec = _reach(ew, occ, status)
    before = Occurrence.objects.get(pk=occ.pk)
    events = OccurrenceEvent.objects.filter(occurrence=occ).count()
    records = DutyRecord.objects.filter(occurrence=occ).count()
    user = ew.users[role]
    visible = Occurrence.objects.visible_to(user).filter(pk=occ.pk).exists()
    try:
        _act(ew, user, occ, action, rec)
    except Http404:
        # outside the user's reach altogether: neither owner, overseer nor bureau-wide
        assert not visible and role not in OWNERS | {Role.SAFETY_CENTRE, Role.LEADERSHIP}
        outcome = "404"
    except PermissionDenied:
        # visible, but the action is the owner's (recording) or the overseer's (deciding)
        assert visible
        assert (role not in OWNERS) if action in RECORDING else (role not in OVERSEERS)
        outcome = "403"
    except ValidationError as exc:
        assert refusal_code(exc) in ("invalid_transition", "already_recorded", "invalid")
        outcome = "refused"
    else:
        outcome = "moved"
    after = Occurrence.objects.get(pk=occ.pk)
    if outcome != "moved":
        assert (after.status, after.row_version, after.recorded) == (
            before.status,
            before.row_version,
            before.recorded,
        )
        assert OccurrenceEvent.objects.filter(occurrence=occ).count() == events
        assert DutyRecord.objects.filter(occurrence=occ).count() == records
        # the table allows it only for a role the service refuses as neither owner nor overseer
        # (the centre may record only its own duties; a department only those it owes)
        if allowed:
            assert outcome in ("403", "404") or (action == CORRECT and rec is None)
        return
    assert allowed, (status, action, role)
    move = OCCURRENCES.find(action, status)
    assert after.status == move.leads(status)
    assert after.row_version == before.row_version + 1
    event = OccurrenceEvent.objects.filter(occurrence=occ).latest("pk")
    assert (event.action, event.from_status, event.to_status, event.actor, event.role) == (
        action,
        status,
        after.status,
        user,
        role,
    )
