"""The lifecycle table obeyed: every status × action × role of ``LIFECYCLE`` through the real
services (``hazard_act`` for the buttons, the system's own service for each internal move), the
reopening of a closed hazard as a move of the table, and the hazard page's buttons."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from safecampus.core.access import roles_on
from safecampus.core.lifecycle import Lifecycle
from safecampus.core.roles import Role
from safecampus.core.testing import lifecycle_cases
from safecampus.hazards import services
from safecampus.hazards.choices import Action, Decision, Status
from safecampus.hazards.lifecycle import (
    AMEND_FROM_FORM,
    EVENT_ACTION,
    LIFECYCLE,
    OFFER_FROM_RULE,
    WITHDRAW_FROM_FORM,
)
from safecampus.hazards.models import Hazard

from .helpers import inputs, state, temporary_media

#: the roles a person may hold on a hazard of school A (``reg.users[role]`` holds exactly it)
ROLES = [
    Role.SCHOOL_OFFICER,
    Role.PRINCIPAL,
    Role.DEPARTMENT_OFFICER,
    Role.SAFETY_CENTRE,
    Role.LEADERSHIP,
    Role.INSPECTOR,
]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    temporary_media(settings, tmp_path)


def _take(reg, user, hazard: Hazard, action: str) -> str:
    """Take ``action`` through the service that takes it: "ok", a refusal's code, or "skipped"
    (a form's move that does not apply: the service changes nothing and says so)."""
    try:
        with transaction.atomic():
            if action == Action.REOPEN:
                services.hazard_reopen_from_spot_check(
                    actor=user, hazard=hazard, comment="复查发现未整改", data={"spot_check": 1}
                )
            elif action == Action.CONSULT:
                services.hazard_apply_consultation(
                    actor=user,
                    hazard=hazard,
                    decisions={Decision.SUPERVISE},
                    comment="专题研商",
                    data={"consultation": 1},
                )
            elif action == WITHDRAW_FROM_FORM:
                done = services.hazard_withdraw_from_form(
                    actor=user, hazard=hazard, comment="学校改为符合"
                )
                return "ok" if done else "skipped"
            elif action == AMEND_FROM_FORM:
                done = services.hazard_amend_from_form(
                    actor=user, hazard=hazard, data={"measures": "重新整改"}, comment="表单重交"
                )
                return "ok" if done else "skipped"
            elif action == OFFER_FROM_RULE:
                done = services.hazard_offer_from_rule(
                    actor=user, hazard=hazard, comment="安防情况已符合", data={"finding": 1}
                )
                return "ok" if done else "skipped"
            else:
                given = inputs(action)
                if action == Action.TRANSFER:
                    given["changes"] = {"responsible_department": reg.other_dept}
                services.hazard_act(
                    actor=user, hazard_id=hazard.pk, action=action, version=hazard.version, **given
                )
    except ValidationError as exc:
        return exc.code
    except PermissionDenied:
        return "forbidden"
    return "ok"


@pytest.mark.parametrize(
    ("status", "action", "role", "allowed"), list(lifecycle_cases(LIFECYCLE, ROLES))
)
def test_every_status_action_and_role_obeys_the_table(reg, status, action, role, allowed):
    # Given a hazard in ``status`` and a person holding ``role`` on it
    hazard = reg.make(status)
    user = reg.users[role]
    assert role in roles_on(user, hazard)
    move = LIFECYCLE.find(action, status)
    refusal = move.guard(hazard) if allowed and move.guard else None
    before = state(hazard)
    # When the person (or the system on their behalf) takes the action
    outcome = _take(reg, user, hazard, action)
    # Then it succeeds exactly when the table allows it (a guard refuses as impossible)...
    if allowed and refusal is None:
        assert outcome == "ok"
        now, event = state(hazard), Hazard.objects.get(pk=hazard.pk).events.last()
        assert now["status"] == move.leads(status)
        assert (now["version"], now["events"]) == (before["version"] + 1, before["events"] + 1)
        assert (event.action, event.from_status, event.to_status, event.actor) == (
            EVENT_ACTION.get(action, action),
            status,
            move.leads(status),
            user,
        )
        assert event.actor_role == role
    else:
        expected = "invalid_transition" if move is None or refusal is not None else "not_allowed"
        if move is None and action in (WITHDRAW_FROM_FORM, AMEND_FROM_FORM):
            expected = "skipped"
        if action == OFFER_FROM_RULE:
            # the rule engine's offer changes nothing where it does not apply, and says so
            expected = "skipped"
        assert outcome == expected
        # ...and a refusal changes nothing
        assert state(hazard) == before


def test_reopening_a_closed_hazard_is_a_move_of_the_table(reg, monkeypatch):
    # The table leads a closed hazard back to rectifying, as the system's move only
    move = LIFECYCLE.find(Action.REOPEN, Status.CLOSED)
    assert move is not None and move.internal
    assert move.leads(Status.CLOSED) == Status.RECTIFYING
    assert (Status.CLOSED, Status.RECTIFYING) in LIFECYCLE.pairs()
    inspector = reg.users[Role.INSPECTOR]
    hazard = reg.make(Status.CLOSED)
    assert Action.REOPEN not in LIFECYCLE.allowed(hazard, roles_on(inspector, hazard))
    assert _take(reg, inspector, hazard, Action.REOPEN) == "ok"
    hazard.refresh_from_db()
    event = hazard.events.last()
    assert (hazard.status, hazard.closed_on) == (Status.RECTIFYING, None)
    assert (event.action, event.from_status, event.to_status) == (
        Action.REOPEN,
        Status.CLOSED,
        Status.RECTIFYING,
    )
    # a person cannot take it as an action of theirs
    closed = reg.make(Status.CLOSED)
    assert _take(reg, reg.users[Role.SAFETY_CENTRE], closed, Action.REOPEN) == "ok"
    other = reg.make(Status.CLOSED)
    try:
        services.hazard_act(
            actor=inspector,
            hazard_id=other.pk,
            action=Action.REOPEN,
            version=other.version,
            comment="x",
        )
    except ValidationError as exc:
        assert exc.code == "invalid_transition"
    else:
        pytest.fail("a person reopened a hazard")
    # and the service follows the table: without the move, a closed hazard stays closed
    without = Lifecycle(
        [
            m
            if m.action != Action.REOPEN
            else type(m)(m.action, m.sources - {Status.CLOSED}, m.target, m.roles, internal=True)
            for m in LIFECYCLE.moves
        ],
        statuses=LIFECYCLE.statuses,
        action_label=LIFECYCLE.action_label,
        stamp_field=LIFECYCLE.stamp_field,
        version_field=LIFECYCLE.version_field,
        role_order=LIFECYCLE.role_order,
    )
    monkeypatch.setattr(services, "LIFECYCLE", without)
    assert _take(reg, inspector, other, Action.REOPEN) == "invalid_transition"
    assert Hazard.objects.get(pk=other.pk).status == Status.CLOSED


def _buttons(html: str) -> list[str]:
    return re.findall(r'data-testid="do-([a-z_]+)"', html)


@pytest.mark.parametrize("status", Status.values)
def test_a_hazard_page_shows_exactly_the_buttons_the_table_allows(reg, client_for, status):
    hazard = reg.make(status)
    users = {**{role: reg.users[role] for role in ROLES}, "coop": reg.other_dept_user}
    for who, user in users.items():
        response = client_for(user).get(hazard.get_absolute_url())
        assert response.status_code == 200, who
        expected = LIFECYCLE.allowed(hazard, roles_on(user, hazard))
        assert _buttons(response.content.decode()) == expected, who
        assert not {m.action for m in LIFECYCLE.moves if m.internal} & set(expected)
