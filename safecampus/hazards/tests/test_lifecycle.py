"""The lifecycle table (lifecycle.LIFECYCLE, read here as the per-pair TRANSITIONS of its
buttons), every (from, to) pair for every role, through services.hazard_act."""

import pytest
from django.utils import timezone

from safecampus.core.access import roles_on
from safecampus.core.roles import Role
from safecampus.hazards import services
from safecampus.hazards.choices import Action, Decision, EvidencePhase, RemedyType, Status

from .helpers import (
    ACTORS,
    HIDDEN,
    MOVES,
    TRANSITIONS,
    UPDATES,
    actor,
    attempt,
    days,
    inputs,
    move_for,
    state,
    temporary_media,
)

#: pairs of statuses that no action connects
NOT_MOVES = [(src, dst) for src in Status for dst in Status if (src, dst) not in MOVES]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    temporary_media(settings, tmp_path)


def test_moves_name_exactly_the_pairs_of_the_table():
    assert set(TRANSITIONS) == set(Status)
    assert set(MOVES) == {(src, dst) for src, targets in TRANSITIONS.items() for dst in targets}
    assert len(MOVES) == 12
    assert all(move_for(action, src) == dst for (src, dst), action in MOVES.items())
    assert not set(MOVES.values()) & set(UPDATES)


@pytest.mark.parametrize(("src", "dst"), NOT_MOVES)
def test_no_action_leads_from_a_status_to_a_status_outside_the_table(src, dst):
    assert [action for action in Action if move_for(action, src) == dst] == []


@pytest.mark.parametrize("status", Status.values)
def test_an_action_that_is_no_move_from_the_status_is_refused_for_everyone(reg, status):
    # Given a hazard in ``status`` and every action that neither moves it on nor updates it there
    hazard = reg.make(status)
    before = state(hazard)
    stray = [
        action
        for action in Action
        if move_for(action, status) is None
        and not (action in UPDATES and status in UPDATES[action][0])
    ]
    # When everyone tries each of them, with complete input
    outcomes = {
        (key, action): attempt(actor(reg, key), hazard, action, **inputs(action))
        for key in ACTORS
        for action in stray
    }
    # Then each is refused as impossible (or the hazard is not found), and nothing changed
    assert outcomes == {
        (key, action): HIDDEN if role == HIDDEN else "invalid_transition"
        for key, role in ACTORS.items()
        for action in stray
    }
    assert Action.REPORT in stray
    assert state(hazard) == before


@pytest.mark.parametrize(("src", "dst"), list(MOVES))
def test_move_by_role(reg, src, dst):
    # Given a hazard in ``src`` (fixed on the spot when a report goes straight to acceptance),
    # a fresh one for each person the table allows to move it
    extra = (
        {"remedy_type": RemedyType.ON_SPOT}
        if (src, dst) == (Status.REPORTED, Status.SUBMITTED)
        else {}
    )
    action = MOVES[(src, dst)]
    shared = reg.make(src, **extra)
    before = state(shared)
    outcomes, expected = {}, {}
    for key, role in ACTORS.items():
        allowed = role in TRANSITIONS[src][dst]
        expected[key] = "ok" if allowed else HIDDEN if role == HIDDEN else "not_allowed"
        hazard = reg.make(src, **extra) if allowed else shared
        user, was = actor(reg, key), state(hazard)
        if role != HIDDEN:
            assert roles_on(user, hazard) == frozenset({role} - {None}), key
        assert (action in services.allowed_actions(user, hazard)) is allowed, key
        # When the person takes the action with complete input
        outcomes[key] = attempt(user, hazard, action, **inputs(action))
        if outcomes[key] == "ok":
            # Then the status moves, the version too, and one event names who and as what
            now, event = state(hazard), hazard.events.last()
            assert (now["status"], now["version"], now["events"]) == (
                dst,
                was["version"] + 1,
                was["events"] + 1,
            ), key
            assert (event.action, event.from_status, event.to_status, event.actor) == (
                action,
                src,
                dst,
                user,
            ), key
            outcomes[key] = event.actor_role
            expected[key] = role
    # ...exactly for the roles of the table; refusals change nothing
    assert outcomes == expected
    assert state(shared) == before


@pytest.mark.parametrize("key", ["school_officer", "principal"])
def test_a_report_fixed_by_a_deadline_cannot_go_straight_to_acceptance(reg, key):
    hazard = reg.make(Status.REPORTED, remedy_type=RemedyType.DEADLINE)
    before = state(hazard)
    assert Action.SUBMIT not in services.allowed_actions(actor(reg, key), hazard)
    outcome = attempt(actor(reg, key), hazard, Action.SUBMIT, **inputs(Action.SUBMIT))
    assert outcome == "invalid_transition"
    assert state(hazard) == before


MISSING_INPUT = [
    (Status.REPORTED, Action.CONFIRM, "dept", {}, "five_in_place_required"),
    (Status.REPORTED, Action.WITHDRAW, "dept", {"comment": "  "}, "reason_required"),
    (Status.ASSIGNED, Action.MARK_HARD, "dept", {}, "reason_required"),
    (Status.RECTIFYING, Action.MARK_HARD, "centre", {}, "reason_required"),
    (Status.SUBMITTED, Action.REJECT, "dept", {}, "reason_required"),
    (Status.RECTIFYING, Action.SUBMIT, "school_officer", {}, "evidence_required"),
    (Status.ASSIGNED, Action.SUBMIT, "principal", {}, "evidence_required"),
    (Status.HARD, Action.DECIDE, "leader", {"comment": "研商"}, "decision_required"),
    (
        Status.HARD,
        Action.DECIDE,
        "leader",
        {"comment": "研商", "changes": {"decisions": ["dismiss"]}},
        "decision_required",
    ),
    (
        Status.HARD,
        Action.DECIDE,
        "centre",
        {"changes": {"decisions": [Decision.SUPERVISE]}},
        "reason_required",
    ),
    (
        Status.HARD,
        Action.DECIDE,
        "leader",
        {"comment": "研商", "changes": {"decisions": [Decision.NEW_DEADLINE]}},
        "deadline_required",
    ),
    (
        Status.HARD,
        Action.DECIDE,
        "leader",
        {"comment": "研商", "changes": {"decisions": [Decision.NEW_DEPARTMENT]}},
        "invalid",
    ),
]


@pytest.mark.parametrize(("status", "action", "key", "given", "code"), MISSING_INPUT)
def test_an_action_without_its_required_input_is_refused(reg, status, action, key, given, code):
    hazard = reg.make(status)
    before = state(hazard)
    assert attempt(actor(reg, key), hazard, action, **given) == code
    assert state(hazard) == before


@pytest.mark.dates
def test_confirm_records_what_the_department_set(reg):
    hazard = reg.make(Status.REPORTED)
    hazard = services.hazard_act(
        actor=reg.users[Role.DEPARTMENT_OFFICER],
        hazard_id=hazard.pk,
        action=Action.CONFIRM,
        version=hazard.version,
        changes={
            "deadline": days(20),
            "measures": "清理杂物，张贴警示",
            "funds": "500元",
            "contingency_plan": "专人值守",
        },
    )
    event = hazard.events.last()
    assert event.data == {
        "deadline": [None, str(days(20))],
        "measures": ["", "清理杂物，张贴警示"],
        "funds": ["", "500元"],
        "contingency_plan": ["", "专人值守"],
    }
    assert (hazard.deadline, hazard.supervised) == (days(20), False)


def test_confirm_of_a_report_fixed_on_the_spot_needs_no_deadline(reg):
    hazard = reg.make(Status.REPORTED, remedy_type=RemedyType.ON_SPOT)
    assert attempt(reg.users[Role.DEPARTMENT_OFFICER], hazard, Action.CONFIRM) == "ok"
    hazard.refresh_from_db()
    assert (hazard.status, hazard.deadline) == (Status.ASSIGNED, None)


def test_submit_keeps_the_files_as_after_evidence_of_its_event(reg):
    hazard = reg.make(Status.RECTIFYING)
    hazard = services.hazard_act(
        actor=reg.users[Role.SCHOOL_OFFICER],
        hazard_id=hazard.pk,
        action=Action.SUBMIT,
        version=hazard.version,
        **inputs(Action.SUBMIT),
    )
    event = hazard.events.last()
    assert [(e.phase, e.original_name, e.event_id) for e in hazard.evidence.all()] == [
        (EvidencePhase.AFTER, "after.jpg", event.pk)
    ]


@pytest.mark.dates
def test_accept_closes_the_hazard_today(reg):
    hazard = reg.make(Status.CLOSED)
    assert (hazard.status, hazard.closed_on) == (Status.CLOSED, timezone.localdate())
    assert [e.action for e in hazard.events.all()] == [
        Action.REPORT,
        Action.CONFIRM,
        Action.SUBMIT,
        Action.ACCEPT,
    ]


def test_reject_returns_the_hazard_to_rectification_with_the_reason(reg):
    hazard = reg.make(Status.SUBMITTED)
    hazard = services.hazard_act(
        actor=reg.users[Role.DEPARTMENT_OFFICER],
        hazard_id=hazard.pk,
        action=Action.REJECT,
        version=hazard.version,
        comment="通道仍有杂物",
    )
    event = hazard.events.last()
    assert (hazard.status, hazard.closed_on) == (Status.RECTIFYING, None)
    assert (event.comment, event.data) == ("通道仍有杂物", {})


@pytest.mark.dates
def test_decision_of_the_leadership_group_is_recorded(reg):
    # Given a hazard hard to resolve; 安保科 cooperates on it
    hazard = reg.make(Status.HARD)
    old_deadline = hazard.deadline
    assert list(hazard.cooperating_departments.all()) == [reg.other_dept]
    # When the leadership group sets a new deadline and department, lists and escalates it
    hazard = services.hazard_act(
        actor=reg.users[Role.LEADERSHIP],
        hazard_id=hazard.pk,
        action=Action.DECIDE,
        version=hazard.version,
        comment="专题研商",
        changes={
            "decisions": list(Decision),
            "deadline": days(120),
            "responsible_department": reg.other_dept,
        },
    )
    # Then the hazard carries the decision and the event records it
    assert hazard.status == Status.RECTIFYING
    assert (hazard.deadline, hazard.responsible_department) == (days(120), reg.other_dept)
    assert (hazard.supervised, hazard.escalated) == (True, True)
    assert list(hazard.cooperating_departments.all()) == []  # now responsible, not cooperating
    assert roles_on(reg.other_dept_user, hazard) == {Role.DEPARTMENT_OFFICER}
    assert hazard.events.last().data == {
        "decisions": sorted(Decision.values),
        "deadline": [str(old_deadline), str(days(120))],
        "responsible_department": [reg.department.pk, reg.other_dept.pk],
    }
