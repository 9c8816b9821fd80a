"""Actions that keep the status (the table's UPDATES): extend, transfer, explain, add evidence."""

import pytest

from safecampus.core.access import roles_on
from safecampus.core.roles import Role
from safecampus.core.testing import DepartmentFactory
from safecampus.hazards import services
from safecampus.hazards.choices import Action, EvidencePhase, Status
from safecampus.hazards.models import Hazard
from safecampus.hazards.selectors import hazard_list
from safecampus.hazards.testing import jpeg_upload

from .helpers import ACTORS, HIDDEN, UPDATES, actor, attempt, days, inputs, state, temporary_media


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    temporary_media(settings, tmp_path)


def update_inputs(reg, action: str) -> dict:
    given = inputs(action)
    if action == Action.TRANSFER:
        given["changes"] = {"responsible_department": reg.other_dept}
    return given


def expected_outcome(action: str, status: str, role) -> str:
    statuses, roles = UPDATES[action]
    if role == HIDDEN:
        return HIDDEN
    if status not in statuses:
        return "invalid_transition"
    return "ok" if role in roles else "not_allowed"


@pytest.mark.parametrize("status", Status.values)
@pytest.mark.parametrize("action", list(UPDATES))
def test_update_by_role(reg, action, status):
    # Given a hazard in ``status`` (and a fresh one for each person who may act)
    shared = reg.make(status)
    before = state(shared)
    outcomes, expected = {}, {}
    for key, role in ACTORS.items():
        expected[key] = expected_outcome(action, status, role)
        hazard = reg.make(status) if expected[key] == "ok" else shared
        was = state(hazard)
        # When the person takes the action with complete input
        outcome = attempt(actor(reg, key), hazard, action, **update_inputs(reg, action))
        if outcome == "ok":
            # Then the status stays, the version moves on and one event names the role
            now, event = state(hazard), hazard.events.last()
            assert (now["status"], now["version"], now["events"]) == (
                status,
                was["version"] + 1,
                was["events"] + 1,
            )
            assert (event.action, event.from_status, event.to_status, event.actor_role) == (
                action,
                status,
                status,
                role,
            )
        outcomes[key] = outcome
    assert outcomes == expected
    assert state(shared) == before


def test_extend_records_the_old_and_new_deadline_and_the_reason(reg):
    hazard = reg.make(Status.RECTIFYING, deadline=days(10))
    hazard = services.hazard_act(
        actor=reg.users[Role.DEPARTMENT_OFFICER],
        hazard_id=hazard.pk,
        action=Action.EXTEND,
        version=hazard.version,
        comment="材料到货延迟",
        changes={"deadline": days(40)},
    )
    event = hazard.events.last()
    assert hazard.deadline == days(40)
    assert (event.comment, event.data) == (
        "材料到货延迟",
        {"deadline": [str(days(10)), str(days(40))]},
    )


@pytest.mark.parametrize(
    ("comment", "deadline", "code"),
    [
        ("", 40, "reason_required"),
        ("   ", 40, "reason_required"),
        ("材料到货延迟", None, "deadline_required"),
        ("材料到货延迟", 10, "deadline_required"),  # the same deadline is no extension
    ],
)
def test_extend_needs_a_reason_and_a_new_deadline(reg, comment, deadline, code):
    hazard = reg.make(Status.ASSIGNED, deadline=days(10))
    before = state(hazard)
    changes = {"deadline": days(deadline)} if deadline is not None else {}
    user = reg.users[Role.DEPARTMENT_OFFICER]
    assert attempt(user, hazard, Action.EXTEND, comment=comment, changes=changes) == code
    assert state(hazard) == before


def test_transfer_by_the_centre_moves_the_hazard_out_of_the_old_departments_sight(reg):
    # Given a hazard of 普教一科 on which 安保科 cooperates
    hazard = reg.make(Status.RECTIFYING)
    old_dept_user = reg.users[Role.DEPARTMENT_OFFICER]
    assert list(hazard.cooperating_departments.all()) == [reg.other_dept]
    # When the centre transfers it to 安保科
    hazard = services.hazard_act(
        actor=reg.users[Role.SAFETY_CENTRE],
        hazard_id=hazard.pk,
        action=Action.TRANSFER,
        version=hazard.version,
        comment="职责调整",
        changes={"responsible_department": reg.other_dept},
    )
    # Then 安保科 is responsible and acts; 普教一科 no longer sees or acts on it
    assert hazard.responsible_department == reg.other_dept
    assert list(hazard.cooperating_departments.all()) == []
    assert hazard.events.last().data == {
        "responsible_department": [reg.department.pk, reg.other_dept.pk]
    }
    assert roles_on(reg.other_dept_user, hazard) == {Role.DEPARTMENT_OFFICER}
    assert list(hazard_list(user=old_dept_user)) == []
    assert not Hazard.objects.visible_to(old_dept_user).filter(pk=hazard.pk).exists()
    assert attempt(old_dept_user, hazard, Action.EXPLAIN, comment="仍在施工") == HIDDEN


@pytest.mark.parametrize("target", ["same", "other_bureau"])
def test_transfer_to_no_other_department_of_the_bureau_is_refused(reg, target):
    hazard = reg.make(Status.ASSIGNED)
    before = state(hazard)
    dept = reg.department if target == "same" else DepartmentFactory(bureau=reg.other_bureau)
    outcome = attempt(
        reg.users[Role.SAFETY_CENTRE],
        hazard,
        Action.TRANSFER,
        comment="职责调整",
        changes={"responsible_department": dept},
    )
    assert outcome == "invalid"
    assert state(hazard) == before


def test_explain_keeps_the_written_explanation(reg):
    hazard = reg.make(Status.RECTIFYING)
    hazard = services.hazard_act(
        actor=reg.users[Role.PRINCIPAL],
        hazard_id=hazard.pk,
        action=Action.EXPLAIN,
        version=hazard.version,
        comment="施工队进场推迟",
    )
    assert hazard.delay_explanation == "施工队进场推迟"
    assert hazard.events.last().data == {"delay_explanation": ["", "施工队进场推迟"]}


def test_explain_needs_the_explanation(reg):
    hazard = reg.make(Status.RECTIFYING)
    before = state(hazard)
    assert attempt(reg.users[Role.SCHOOL_OFFICER], hazard, Action.EXPLAIN) == "reason_required"
    assert state(hazard) == before


@pytest.mark.parametrize(
    ("phase", "stored"),
    [(None, EvidencePhase.BEFORE), (EvidencePhase.AFTER, EvidencePhase.AFTER)],
)
def test_evidence_added_by_an_inspector_is_linked_to_its_event(reg, phase, stored):
    hazard = reg.make(Status.ASSIGNED)
    hazard = services.hazard_act(
        actor=reg.users[Role.INSPECTOR],
        hazard_id=hazard.pk,
        action=Action.ADD_EVIDENCE,
        version=hazard.version,
        files=[jpeg_upload("现场.jpg")],
        phase=phase,
    )
    event = hazard.events.last()
    assert event.actor_role == Role.INSPECTOR
    assert [(e.original_name, e.phase, e.event_id) for e in hazard.evidence.all()] == [
        ("现场.jpg", stored, event.pk)
    ]


def test_adding_evidence_needs_a_file(reg):
    hazard = reg.make(Status.ASSIGNED)
    before = state(hazard)
    assert attempt(reg.users[Role.SCHOOL_OFFICER], hazard, Action.ADD_EVIDENCE) == "invalid"
    assert state(hazard) == before
