"""Who reaches the accountability and consultation pages (``core.testing.scope_matrix``), the
lifecycle tables of records and consultations walked status × action × role through the real
services, the pages' buttons, and ``roles_on`` of a record and a consultation."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from safecampus.accountability import services
from safecampus.accountability.access import APPLY, CLOSE
from safecampus.accountability.lifecycle import CONSULTATIONS, RECORDS
from safecampus.accountability.models import (
    AccountabilityEvent,
    AccountabilityRecord,
    Consultation,
    ConsultationStatus,
    RecordAction,
    RecordBasis,
    RecordKind,
    RecordStatus,
)
from safecampus.accountability.testing import make_hazard
from safecampus.core.access import roles_on
from safecampus.core.refusals import refusal_code
from safecampus.core.roles import Role
from safecampus.core.testing import lifecycle_cases, scope_matrix
from safecampus.hazards.choices import Decision, Status

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

ROLES = [
    Role.LEADERSHIP,
    Role.SAFETY_CENTRE,
    Role.INSPECTOR,
    Role.DEPARTMENT_OFFICER,
    Role.SCHOOL_OFFICER,
    Role.PARTNER,
]


def _open(sup, **kw):
    kw.setdefault("kind", RecordKind.INTERVIEW)
    kw.setdefault("basis", RecordBasis.HAZARD)
    kw.setdefault("reason", "隐患逾期未整改")
    kw.setdefault("school", sup.school_a)
    return services.record_open(actor=sup.centre, bureau_id=sup.bureau.pk, **kw)


def _plan(sup, hazards):
    return services.consultation_create(
        actor=sup.leader,
        data={
            "kind": "study",
            "title": "难点隐患专题研商",
            "held_on": timezone.localdate(),
            "attendees": "分管局长、安全中心、普教一科",
        },
        hazards=hazards,
    )


def _decide(consultation, hazard):
    item = consultation.items.get(hazard=hazard)
    return {
        item.pk: {
            "decisions": [Decision.NEW_DEADLINE],
            "deadline": timezone.localdate().replace(year=timezone.localdate().year + 1),
            "comment": "限期完成",
        }
    }


# --- scope matrix -------------------------------------------------------------------------------


def test_record_pages_answer_the_scope_matrix(sup, client):
    u = sup.users
    record = _open(sup, department=sup.department)
    outsiders = [u[Role.PARTNER], u[Role.AUDITOR], u[Role.SYSTEM_ADMIN]]
    scope_matrix(
        client,
        reverse("accountability:record_list"),
        permitted=sup.school_user,
        wrong_role=outsiders,
    )
    scope_matrix(
        client,
        reverse("accountability:record_new"),
        permitted=sup.leader,
        wrong_role=[u[Role.INSPECTOR], sup.dept_user, sup.school_user, *outsiders],
    )
    scope_matrix(
        client,
        record.get_absolute_url(),
        permitted=sup.school_user,
        # another bureau; a school or a department the record is not against
        out_of_scope=[sup.other_centre, sup.school_b_user, sup.other_dept_user],
        wrong_role=outsiders,
    )
    scope_matrix(
        client,
        reverse("accountability:record_step", args=[record.pk]),
        method="post",
        data={"step": "follow_up", "comment": "已约谈校长"},
        permitted=sup.centre,
        out_of_scope=[sup.other_centre],
        wrong_role=[u[Role.INSPECTOR], sup.dept_user, sup.school_user, *outsiders],
    )
    assert AccountabilityRecord.objects.get(pk=record.pk).status == RecordStatus.FOLLOW_UP


def test_consultation_pages_answer_the_scope_matrix(sup, client):
    u = sup.users
    hard = make_hazard(sup, Status.HARD)  # 普教一科's
    consultation = _plan(sup, [hard])
    outsiders = [sup.school_user, u[Role.PRINCIPAL], u[Role.PARTNER], u[Role.AUDITOR]]
    scope_matrix(
        client,
        reverse("accountability:consultation_list"),
        permitted=sup.dept_user,
        wrong_role=outsiders,
    )
    scope_matrix(
        client,
        reverse("accountability:consultation_new"),
        permitted=sup.centre,
        wrong_role=[u[Role.INSPECTOR], sup.dept_user, *outsiders],
    )
    scope_matrix(
        client,
        consultation.get_absolute_url(),
        permitted=sup.dept_user,
        out_of_scope=[sup.other_centre, sup.other_dept_user],
        wrong_role=outsiders,
    )
    item = consultation.items.get()
    scope_matrix(
        client,
        consultation.get_absolute_url(),
        method="post",
        data={
            f"item-{item.pk}-decisions": [Decision.NEW_DEADLINE],
            f"item-{item.pk}-deadline": "2027-06-30",
            f"item-{item.pk}-comment": "资金已落实",
        },
        permitted=sup.leader,
        out_of_scope=[sup.other_centre, sup.other_dept_user],
        # they read the consultation; they do not apply its decisions
        wrong_role=[sup.dept_user, u[Role.INSPECTOR], *outsiders],
    )
    assert Consultation.objects.get(pk=consultation.pk).status == ConsultationStatus.DECIDED


# --- lifecycle tables ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "action", "role", "allowed"), list(lifecycle_cases(RECORDS, ROLES))
)
def test_record_steps_obey_the_table(sup, status, action, role, allowed):
    record = _open(sup, department=sup.department)
    if status == RecordStatus.FOLLOW_UP:
        services.record_follow_up(actor=sup.centre, record_id=record.pk, comment="督促")
    elif status == RecordStatus.CLOSED:
        services.record_close(actor=sup.centre, record_id=record.pk, comment="整改到位")
    record.refresh_from_db()
    assert record.status == status
    user = sup.users[role]
    step = services.record_close if action == CLOSE else services.record_follow_up
    events = AccountabilityEvent.objects.filter(record=record)
    before = events.count()
    try:
        step(actor=user, record_id=record.pk, comment="复查")
    except PermissionDenied:
        assert not allowed and role not in RECORDS.find(action, RecordStatus.OPEN).roles
    except ValidationError as exc:
        assert not allowed and refusal_code(exc) == "invalid_transition"
    else:
        assert allowed
        record.refresh_from_db()
        assert record.status == RECORDS.find(action, status).leads(status)
        event = events.latest("id")
        assert event.action == (RecordAction.CLOSE if action == CLOSE else RecordAction.FOLLOW_UP)
        assert (event.actor, event.actor_role, event.data["status"]) == (
            user,
            role,
            [status, record.status],
        )
        assert (record.closed_at is not None) == (action == CLOSE)
        return
    record.refresh_from_db()
    assert record.status == status and events.count() == before


@pytest.mark.parametrize(
    ("status", "action", "role", "allowed"), list(lifecycle_cases(CONSULTATIONS, ROLES))
)
def test_applying_decisions_obeys_the_table(sup, status, action, role, allowed):
    assert action == APPLY
    hard = make_hazard(sup, Status.HARD)
    consultation = _plan(sup, [hard])
    if status == ConsultationStatus.DECIDED:
        services.consultation_apply(
            actor=sup.leader, consultation_id=consultation.pk, decisions=_decide(consultation, hard)
        )
    user = sup.users[role]
    try:
        services.consultation_apply(
            actor=user, consultation_id=consultation.pk, decisions=_decide(consultation, hard)
        )
    except PermissionDenied:
        assert not allowed and role not in CONSULTATIONS.find(APPLY, "planned").roles
    except ValidationError as exc:
        assert not allowed and refusal_code(exc) == "invalid_transition"
    else:
        assert allowed
        consultation.refresh_from_db()
        assert consultation.status == ConsultationStatus.DECIDED
        assert consultation.decided_by == user and consultation.decided_at is not None
        return
    consultation.refresh_from_db()
    assert consultation.status == status


@pytest.mark.parametrize(
    "role",
    [Role.LEADERSHIP, Role.SAFETY_CENTRE, Role.INSPECTOR, Role.DEPARTMENT_OFFICER],
)
def test_the_pages_offer_what_the_tables_allow(sup, client_for, role):
    user = sup.users[role]
    client = client_for(user)
    open_record = _open(sup, department=sup.department)
    closed = _open(sup, department=sup.department)
    services.record_close(actor=sup.centre, record_id=closed.pk, comment="整改到位")
    for record in (open_record, AccountabilityRecord.objects.get(pk=closed.pk)):
        body = client.get(record.get_absolute_url()).content.decode()
        offered = 'data-testid="step-form"' in body
        assert offered == bool(RECORDS.allowed(record, roles_on(user, record)))
        assert offered == (
            record.status != RecordStatus.CLOSED and role in {Role.LEADERSHIP, Role.SAFETY_CENTRE}
        )

    hard = make_hazard(sup, Status.HARD)
    planned = _plan(sup, [hard])
    other_hard = make_hazard(sup, Status.HARD)
    decided = _plan(sup, [other_hard])
    services.consultation_apply(
        actor=sup.leader, consultation_id=decided.pk, decisions=_decide(decided, other_hard)
    )
    for consultation in (planned, Consultation.objects.get(pk=decided.pk)):
        body = client.get(consultation.get_absolute_url()).content.decode()
        offered = 'data-testid="apply"' in body
        assert offered == (
            APPLY in CONSULTATIONS.allowed(consultation, roles_on(user, consultation))
        )
        assert offered == (
            consultation.status == ConsultationStatus.PLANNED
            and role in {Role.LEADERSHIP, Role.SAFETY_CENTRE}
        )


def test_roles_on_a_record_and_a_consultation(sup):
    record = _open(sup, department=sup.department)
    assert roles_on(sup.leader, record) == {Role.LEADERSHIP}
    assert roles_on(sup.users[Role.INSPECTOR], record) == {Role.INSPECTOR}
    assert roles_on(sup.dept_user, record) == {Role.DEPARTMENT_OFFICER}
    assert roles_on(sup.school_user, record) == {Role.SCHOOL_OFFICER}
    assert roles_on(sup.users[Role.PRINCIPAL], record) == {Role.PRINCIPAL}
    assert roles_on(sup.school_b_user, record) == set()
    assert roles_on(sup.other_dept_user, record) == set()
    assert roles_on(sup.other_centre, record) == set()

    consultation = _plan(sup, [make_hazard(sup, Status.HARD)])
    assert roles_on(sup.centre, consultation) == {Role.SAFETY_CENTRE}
    assert roles_on(sup.dept_user, consultation) == {Role.DEPARTMENT_OFFICER}
    assert roles_on(sup.other_dept_user, consultation) == set()
    assert roles_on(sup.school_user, consultation) == set()
