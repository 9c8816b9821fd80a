"""Helpers of the register's rule tests: who acts, what each action needs, and what a refusal
must leave unchanged."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone

from safecampus.core.roles import Role
from safecampus.hazards import services
from safecampus.hazards.choices import Action, Decision, Status
from safecampus.hazards.lifecycle import LIFECYCLE
from safecampus.hazards.models import Hazard, HazardEvidence
from safecampus.hazards.testing import FIVE_IN_PLACE, jpeg_upload

# --- the buttons of the table, read as the old per-pair tables ------------------------------
_BUTTONS = [m for m in LIFECYCLE.moves if not m.internal]

#: (from, to) → the action a person takes to make that move
MOVES: dict[tuple[str, str], str] = {
    (src, m.leads(src)): m.action for m in _BUTTONS for src in m.sources if m.leads(src) != src
}
#: from → {to: roles that may make the move}
TRANSITIONS: dict[str, dict[str, frozenset[str]]] = {
    status: {
        m.leads(status): m.roles
        for m in _BUTTONS
        if status in m.sources and m.leads(status) != status
    }
    for status in Status
}
#: actions that keep the status: action → (statuses it applies in, roles)
UPDATES: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    m.action: (m.sources, m.roles) for m in _BUTTONS if m.target is None
}


def move_for(action: str, status: str) -> str | None:
    """The status a person's ``action`` leads to from ``status``, or None if it is no move."""
    return next(
        (dst for (src, dst), verb in MOVES.items() if verb == action and src == status), None
    )


#: Not in the actor's scope at all: the hazard is "not found", the same as a missing one.
HIDDEN = "hidden"

#: The people of ``reg`` and the role each holds *for a hazard of school A whose responsible
#: department is ``reg.department``* (None: sees it as a cooperating department, acts for nothing).
ACTORS: dict[str, str | None] = {
    "school_officer": Role.SCHOOL_OFFICER,
    "principal": Role.PRINCIPAL,
    "dept": Role.DEPARTMENT_OFFICER,
    "other_dept": None,
    "centre": Role.SAFETY_CENTRE,
    "leader": Role.LEADERSHIP,
    "inspector": Role.INSPECTOR,
    "school_b": HIDDEN,
}


def actor(reg, key: str):
    if key == "other_dept":
        return reg.other_dept_user
    if key == "school_b":
        return reg.school_b_user
    return reg.users[ACTORS[key]]


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def inputs(action: str) -> dict:
    """The smallest complete input of ``action`` (keyword arguments of ``hazard_act``)."""
    if action == Action.SUBMIT:
        return {"files": [jpeg_upload("after.jpg")]}
    if action == Action.ADD_EVIDENCE:
        return {"files": [jpeg_upload("more.jpg")]}
    return {
        Action.CONFIRM: {"changes": {"deadline": days(30), **FIVE_IN_PLACE}},
        Action.REJECT: {"comment": "通道仍有杂物"},
        Action.WITHDRAW: {"comment": "经核实不属于隐患"},
        Action.MARK_HARD: {"comment": "需改造消防管网，经费待批"},
        Action.DECIDE: {
            "changes": {"decisions": [Decision.NEW_DEADLINE], "deadline": days(90)},
            "comment": "专题研商：延期至下学期开学前",
        },
        Action.EXTEND: {"changes": {"deadline": days(45)}, "comment": "材料到货延迟"},
        Action.TRANSFER: {"comment": "职责调整", "changes": {}},  # the caller names the department
        Action.EXPLAIN: {"comment": "施工队进场推迟"},
        Action.DISPUTE: {"comment": "该隐患属于后勤保障范围，非本科室职责"},
        Action.EDIT: {"changes": {"location": "二楼西侧楼梯"}, "comment": "更正位置"},
    }.get(action, {})


def state(hazard: Hazard) -> dict:
    """What a refusal must leave as it was, read fresh from the database."""
    hazard = Hazard.objects.get(pk=hazard.pk)
    return {
        "status": hazard.status,
        "version": hazard.version,
        "deadline": hazard.deadline,
        "responsible_department_id": hazard.responsible_department_id,
        "events": hazard.events.count(),
        "evidence": HazardEvidence.objects.filter(hazard=hazard).count(),
    }


def temporary_media(settings, path) -> None:
    """Evidence files of a test go to ``path``, never into var/."""
    settings.MEDIA_ROOT = path
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": path, "base_url": None},
        },
    }


def attempt(user, hazard: Hazard, action: str, *, version: int | None = None, **kwargs) -> str:
    """Take ``action`` as ``user`` with the hazard's current version: "ok", "hidden" (outside
    the user's scope) or the refusal's code."""
    try:
        services.hazard_act(
            actor=user,
            hazard_id=hazard.pk,
            action=action,
            version=hazard.version if version is None else version,
            **kwargs,
        )
    except Hazard.DoesNotExist:
        return HIDDEN
    except ValidationError as exc:
        return exc.code
    return "ok"
