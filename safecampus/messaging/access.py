"""Who reaches which robots and outgoing messages, and which roles they hold on them.

- **A robot** speaks for its bureau, department or school. It is kept (``edit``) and read by the
  people who run that organisation: a school's by its staff (``MESSAGING_SCHOOL``), a
  department's by its officers (``MESSAGING_DEPARTMENT``), and every robot of a bureau by its
  centre (``MESSAGING_MANAGE``), which keeps the bureau's own.
- **An outgoing message** to a robot is read by those who read the robot, and sent again or
  cancelled by those who keep it. An e-mail is read by the person it goes to and by the centre
  of its bureau (to see what did not arrive), and sent again or cancelled only by the centre:
  the recipient reads it, holds no role on it (``message_roles``) and so may neither resend
  nor cancel it (only keepers, ``MESSAGING_KEEP``, act on messages).

Pure functions of the scope: no model is imported here.
"""

from __future__ import annotations

from django.db.models import Q

from safecampus.core.access import VIEW, Scope, any_of, ids_in, roles_in_bureau
from safecampus.core.capabilities import MESSAGING_DEPARTMENT, MESSAGING_MANAGE, MESSAGING_SCHOOL

EDIT = "edit"
CHANNEL_ACTIONS = frozenset({VIEW, EDIT})
MESSAGE_ACTIONS = frozenset({VIEW, EDIT})


def manage_bureaus(scope: Scope) -> frozenset[int]:
    """The bureaus whose every robot, setting and message ``scope`` keeps."""
    return scope.bureau_ids(*MESSAGING_MANAGE)


def own_departments(scope: Scope) -> list[int]:
    return sorted(scope.department_ids) if scope.has(*MESSAGING_DEPARTMENT) else []


def own_schools(scope: Scope) -> list[int]:
    return sorted(scope.school_ids) if scope.has(*MESSAGING_SCHOOL) else []


def channel_q(scope: Scope, action: str, prefix: str = "") -> Q | None:
    # the same people read and keep a robot
    return any_of(
        ids_in(f"{prefix}bureau_id", manage_bureaus(scope)),
        ids_in(f"{prefix}department_id", own_departments(scope)),
        ids_in(f"{prefix}school_id", own_schools(scope)),
    )


def channel_roles(scope: Scope, channel) -> frozenset[str]:
    roles = set(roles_in_bureau(scope, channel.bureau_id) & MESSAGING_MANAGE)
    if channel.department_id and channel.department_id in own_departments(scope):
        roles |= scope.roles & MESSAGING_DEPARTMENT
    if channel.school_id and channel.school_id in own_schools(scope):
        roles |= scope.roles & MESSAGING_SCHOOL
    return frozenset(roles)


def message_q(scope: Scope, action: str) -> Q | None:
    robots = channel_q(scope, action, "channel__")
    return any_of(
        Q(channel__isnull=False) & robots if robots is not None else None,
        ids_in("bureau_id", manage_bureaus(scope)),
        Q(recipient_id=scope.user_id) if scope.user_id else None,
    )


def message_roles(scope: Scope, message) -> frozenset[str]:
    roles = set(roles_in_bureau(scope, message.bureau_id) & MESSAGING_MANAGE)
    if message.channel_id is not None:
        roles |= channel_roles(scope, message.channel)
    return frozenset(roles)


def is_recipient(scope: Scope, message) -> bool:
    return bool(scope.user_id) and message.recipient_id == scope.user_id


def may_keep_for(scope: Scope, *, bureau_id: int, department_id=None, school_id=None) -> bool:
    """Whether ``scope`` may set up a robot for this organisation."""
    if bureau_id in manage_bureaus(scope):
        return True
    if school_id is not None:
        return school_id in own_schools(scope)
    if department_id is not None:
        return department_id in own_departments(scope)
    return False
