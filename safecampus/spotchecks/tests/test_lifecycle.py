"""The lifecycle tables of drawn items and of checks, walked status × action × role through the
real services; the pages offer exactly the actions the tables allow; ``roles_on`` of a check, an
item and a photo."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from safecampus.core.access import roles_on, scope_for
from safecampus.core.refusals import refusal_code
from safecampus.core.roles import Role
from safecampus.core.testing import lifecycle_cases
from safecampus.hazards.testing import jpeg_upload
from safecampus.spotchecks import access, services
from safecampus.spotchecks.lifecycle import ASSIGN, CHECKS, COMPLETE, ITEMS
from safecampus.spotchecks.models import (
    EventAction,
    Result,
    SpotCheckEvent,
    SpotCheckItem,
    SpotCheckStatus,
)

pytestmark = pytest.mark.django_db

#: the roles walked: those the tables name, and two they never do
ROLES = [
    Role.LEADERSHIP,
    Role.SAFETY_CENTRE,
    Role.INSPECTOR,
    Role.DEPARTMENT_OFFICER,
    Role.SCHOOL_OFFICER,
    Role.PARTNER,
]
#: roles that record only what they are assigned
ASSIGNABLE = {Role.INSPECTOR, Role.DEPARTMENT_OFFICER}


def _record(actor, item, result=Result.CONFIRMED):
    return services.spot_check_record(
        actor=actor,
        item=item,
        result=result,
        finding="未按要求整改" if result == Result.NOT_AS_CLAIMED else "",
        checked_on=timezone.localdate(),
        files=[jpeg_upload()],
    )


def _assign(sc, check, user, item):
    services.spot_check_assign(
        actor=sc.leader, spot_check=check, inspector=user, item_ids=[item.pk]
    )


@pytest.mark.parametrize(
    ("status", "action", "role", "allowed"), list(lifecycle_cases(ITEMS, ROLES))
)
def test_recording_a_result_obeys_the_item_table(sc, status, action, role, allowed):
    check = sc.order()
    # the closed hazard of 普教一科: the department officer's own, reopenable
    item = SpotCheckItem.objects.get(spot_check=check, hazard=sc.closed)
    user = sc.users[role]
    if role in ASSIGNABLE:
        _assign(sc, check, user, item)  # they record only what they are assigned
    if status != Result.PENDING:
        _record(sc.leader, item, status)
    try:
        _record(user, item, action)
    except PermissionDenied:
        assert not allowed
        refused = "forbidden"
    except ValidationError as exc:
        assert not allowed
        refused = refusal_code(exc)
    else:
        assert allowed
        item.refresh_from_db()
        assert item.result == action and item.recorded_by == user
        event = SpotCheckEvent.objects.get(item=item, action=EventAction.RECORD, actor=user)
        assert event.actor_role == role
        return
    item.refresh_from_db()
    assert item.result == status
    # the table refuses a role it does not name; a result already recorded is final
    expected = "forbidden" if role not in ITEMS.find(action, Result.PENDING).roles else None
    assert refused == (expected or "already_recorded")


@pytest.mark.parametrize(
    ("status", "action", "role", "allowed"), list(lifecycle_cases(CHECKS, ROLES))
)
def test_assigning_and_completing_obey_the_check_table(sc, status, action, role, allowed):
    check = sc.order()
    items = list(SpotCheckItem.objects.filter(spot_check=check).exclude(hazard=sc.closed))
    last = SpotCheckItem.objects.get(spot_check=check, hazard=sc.closed)
    user = sc.users[role]
    if action == COMPLETE and role in ASSIGNABLE:
        _assign(sc, check, user, last)
    for item in items:
        _record(sc.leader, item)
    if status == SpotCheckStatus.DONE:
        _record(sc.leader, last)
    check.refresh_from_db()
    assert check.status == status
    completions = SpotCheckEvent.objects.filter(spot_check=check, action=EventAction.COMPLETE)
    before = completions.count()
    try:
        if action == ASSIGN:
            services.spot_check_assign(
                actor=user, spot_check=check, inspector=sc.inspector, item_ids=[last.pk]
            )
        else:  # the system completes the check with its last result
            _record(user, last)
    except PermissionDenied:
        assert not allowed
    except ValidationError as exc:
        assert not allowed
        assert refusal_code(exc) == ("completed" if action == ASSIGN else "already_recorded")
    else:
        assert allowed
        check.refresh_from_db()
        if action == ASSIGN:
            assert SpotCheckItem.objects.get(pk=last.pk).inspector == sc.inspector
            assert check.status == SpotCheckStatus.OPEN
        else:
            assert check.status == SpotCheckStatus.DONE and check.completed_at is not None
            assert completions.get().actor_role == role
        return
    check.refresh_from_db()
    assert check.status == status and completions.count() == before


@pytest.mark.parametrize(
    "role", [Role.LEADERSHIP, Role.SAFETY_CENTRE, Role.INSPECTOR, Role.DEPARTMENT_OFFICER]
)
def test_the_pages_offer_what_the_tables_allow(sc, client_for, role):
    check = sc.order()
    assigned = SpotCheckItem.objects.get(spot_check=check, hazard=sc.closed)
    other = SpotCheckItem.objects.get(spot_check=check, hazard=sc.rectifying)
    _assign(sc, check, sc.inspector, assigned)
    _record(sc.leader, other)
    user = sc.users[role]
    client = client_for(user)
    scope = scope_for(user)

    body = client.get(check.get_absolute_url()).content.decode()
    offers_assign = 'data-testid="assign"' in body
    assert offers_assign == (ASSIGN in CHECKS.allowed(check, roles_on(user, check)))
    assert offers_assign == (role in {Role.LEADERSHIP, Role.SAFETY_CENTRE})

    for item in (assigned, other):
        item = SpotCheckItem.objects.select_related("spot_check", "hazard").get(pk=item.pk)
        response = client.get(reverse("spotchecks:item_detail", args=[item.pk]))
        if response.status_code == 404:  # 普教一科's officer sees its hazards only
            continue
        offers = 'data-testid="record-form"' in response.content.decode()
        assert offers == bool(ITEMS.allowed(item, access.record_roles(scope, item)))
    # the assigned inspector and the centre and leaders may record the pending item; nobody
    # the recorded one
    item = SpotCheckItem.objects.select_related("spot_check", "hazard").get(pk=assigned.pk)
    may = bool(ITEMS.allowed(item, access.record_roles(scope, item)))
    assert may == (role != Role.DEPARTMENT_OFFICER)


def test_roles_on_a_check_an_item_and_a_photo(sc):
    check = sc.order()
    item = SpotCheckItem.objects.get(spot_check=check, hazard=sc.closed)
    _assign(sc, check, sc.inspector, item)
    _record(sc.inspector, item)
    photo = item.evidence.get()
    other_item = SpotCheckItem.objects.get(spot_check=check, hazard=sc.other)
    assert roles_on(sc.leader, check) == {Role.LEADERSHIP}
    assert roles_on(sc.inspector, item) == {Role.INSPECTOR}
    assert roles_on(sc.dept_user, check) == {Role.DEPARTMENT_OFFICER}
    assert roles_on(sc.dept_user, item) == {Role.DEPARTMENT_OFFICER}
    assert roles_on(sc.dept_user, photo) == {Role.DEPARTMENT_OFFICER}
    assert roles_on(sc.dept_user, other_item) == set()  # 安保科's hazard
    assert roles_on(sc.school_user, item) == set()
    assert roles_on(sc.other_centre, check) == set()
    # a check that drew none of 安保科's hazards: its officer holds no role on it
    resolved_only = sc.order(claims=["resolved"])
    assert roles_on(sc.other_dept_user, resolved_only) == set()
    assert roles_on(sc.other_dept_user, check) == {Role.DEPARTMENT_OFFICER}


def test_the_record_action_reaches_the_centre_leaders_and_the_person_assigned(sc):
    check = sc.order()
    item = SpotCheckItem.objects.get(spot_check=check, hazard=sc.closed)
    _assign(sc, check, sc.inspector, item)
    may = {
        role: SpotCheckItem.objects.restrict(sc.users[role], "record").filter(pk=item.pk).exists()
        for role in ROLES
    }
    assert may == {
        Role.LEADERSHIP: True,
        Role.SAFETY_CENTRE: True,
        Role.INSPECTOR: True,  # assigned
        Role.DEPARTMENT_OFFICER: False,  # its department's hazard, not assigned
        Role.SCHOOL_OFFICER: False,
        Role.PARTNER: False,
    }
    assert not SpotCheckItem.objects.restrict(sc.other_centre, "record").exists()
