"""The one access mechanism: who may see a record, and who may act on it.

*Reading.* A :class:`Scope` is built once per request from the user's active role assignments
(``accounts`` builds it, beside ``RoleAssignment``). Every scoped model's queryset is a
:class:`ScopedQuerySet`: ``restrict(user, action)`` turns the scope into a ``WHERE`` clause for one
of the actions the queryset declares in ``actions``; ``visible_to(user)`` and
``editable_by(user)`` are its shorthands. An action the model does not know is a programming
error (:class:`UnknownAction`), never an empty result.

*Acting.* :func:`get_for` fetches one object for a view or an endpoint: 404 when the user may not
see it, 403 when they see it but may not take the action. :func:`roles_on` answers which roles the
user holds *on one object* (a department officer only on the hazards of its department, a school
officer only at their school). :func:`require` refuses a user whose roles do not reach a feature
at all (the capability table in ``core.capabilities``).

The conditions themselves live in each app's ``access.py``: pure functions of the scope (and an
object) that return a ``Q`` or a set of roles. Only those modules read the scope's id sets.

Nothing here is cached beyond the user object of the current request.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import ClassVar

from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import models
from django.http import Http404
from django.utils.translation import gettext as _

from .roles import Role

_CACHE_ATTR = "_safecampus_scope"

#: the actions every scoped model knows
VIEW = "view"
EDIT = "edit"


@dataclass(frozen=True)
class Scope:
    """What a user may reach: role → bureau subtree ids, plus the concrete orgs held."""

    user_id: int | None = None
    roles: frozenset[str] = frozenset()
    #: role → ids of the bureaus (with their sub-bureaus) the role is held in
    bureaus_by_role: dict[str, frozenset[int]] = field(default_factory=dict)
    department_ids: frozenset[int] = frozenset()
    school_ids: frozenset[int] = frozenset()
    partner_ids: frozenset[int] = frozenset()
    #: every bureau the user belongs to through any assignment (no subtree expansion)
    member_bureau_ids: frozenset[int] = frozenset()

    def has(self, *roles: str) -> bool:
        return any(r in self.roles for r in roles)

    def bureau_ids(self, *roles: str) -> frozenset[int]:
        ids: set[int] = set()
        for role in roles:
            ids |= self.bureaus_by_role.get(role, frozenset())
        return frozenset(ids)

    @property
    def all_bureau_ids(self) -> frozenset[int]:
        return self.bureau_ids(*self.bureaus_by_role)

    @property
    def is_empty(self) -> bool:
        return not self.roles

    def fingerprint(self) -> dict:
        """Everything that decides what this scope sees, without the user: two users with the
        same fingerprint see exactly the same rows of every model whose ``scope_filter`` does not
        read ``scope.user_id`` (accounts, jobs, and the lists of incidents and disputes, whose
        restricted cases only the people named see; their figures count through
        ``counted_for``, which does not read it). Figures cached for a scope are keyed by it
        (``reports.snapshots``)."""
        return {
            "roles": sorted(self.roles),
            "bureaus": {r: sorted(ids) for r, ids in sorted(self.bureaus_by_role.items())},
            "departments": sorted(self.department_ids),
            "schools": sorted(self.school_ids),
            "partners": sorted(self.partner_ids),
            "members": sorted(self.member_bureau_ids),
        }


EMPTY_SCOPE = Scope()


def scope_for(user) -> Scope:
    """The scope of ``user``, computed once per user object (that is, once per request).

    The user model builds it (``build_scope``), so this module needs no import of the apps
    above it."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return EMPTY_SCOPE
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    scope = user.build_scope()
    setattr(user, _CACHE_ATTR, scope)
    return scope


def forget_scope(user) -> None:
    """Drop the cached scope after the user's roles changed within the same request."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


class UnknownAction(ImproperlyConfigured):
    """A queryset was asked for an action its model does not declare."""


class ScopedQuerySet(models.QuerySet):
    """Base for querysets of scoped models.

    Subclasses declare ``actions`` (every action :meth:`restrict` may be asked for) and implement
    :meth:`scope_filter`, usually by calling a function of their app's ``access.py``; where a
    record has per-object roles they implement :meth:`object_roles` too.
    """

    #: the actions this model knows; asking for another one is an error
    actions: ClassVar[frozenset[str]] = frozenset({VIEW})

    def scope_filter(self, scope: Scope, *, action: str) -> models.Q | None:
        """The condition for ``action``; ``None`` means nothing at all.

        The default shows nothing, so a model that forgets to define its scope leaks nothing.
        """
        return None

    def object_roles(self, scope: Scope, obj) -> frozenset[str]:
        """The roles ``scope`` holds on ``obj`` (see :func:`roles_on`)."""
        raise ImproperlyConfigured(
            f"{type(self).__name__} does not say which roles a user holds on one object."
        )

    def check_action(self, action: str) -> None:
        if action not in self.actions:
            raise UnknownAction(
                f"{self.model._meta.label} knows the actions {sorted(self.actions)}, "
                f"not {action!r}."
            )

    def restrict(self, user, action: str = VIEW):
        """The rows ``user`` may take ``action`` on (deny by default)."""
        self.check_action(action)
        scope = scope_for(user)
        if scope.is_empty:
            return self.none()
        q = self.scope_filter(scope, action=action)
        return self.none() if q is None else self.filter(q)

    def visible_to(self, user):
        return self.restrict(user, VIEW)

    def editable_by(self, user):
        return self.restrict(user, EDIT)


# --- building blocks of the apps' access.py ----------------------------------------------------


def any_of(*conditions: models.Q | None) -> models.Q | None:
    """The OR of the conditions that are not ``None``; ``None`` (nothing) when all are."""
    q = None
    for cond in conditions:
        if cond is not None:
            q = cond if q is None else q | cond
    return q


def ids_in(field: str, ids) -> models.Q | None:
    """``field__in=ids``, or ``None`` (nothing) when there are no ids."""
    return models.Q(**{f"{field}__in": ids}) if ids else None


def roles_in_bureau(scope: Scope, bureau_id: int | None) -> frozenset[str]:
    """The bureau roles ``scope`` holds in bureau ``bureau_id`` (there or in a bureau above it; a
    department officer through its department's bureau)."""
    if bureau_id is None:
        return frozenset()
    return frozenset(role for role, ids in scope.bureaus_by_role.items() if bureau_id in ids)


def _queryset(source) -> ScopedQuerySet:
    if isinstance(source, type) and issubclass(source, models.Model):
        source = source._default_manager.all()
    elif isinstance(source, models.Manager):
        source = source.all()
    if not isinstance(source, ScopedQuerySet):
        raise ImproperlyConfigured(f"{source!r} is not a scoped queryset.")
    return source


def get_for(user, source, pk, action: str = VIEW):
    """The object ``pk`` of ``source`` (a model, manager or scoped queryset) for ``user``.

    Raises ``Http404`` when the user may not see it (or it does not exist: the two are not told
    apart) and ``PermissionDenied`` when it is visible but ``action`` is not allowed on it.
    ``source`` may carry ``select_related`` and the like; its own filters narrow what exists.
    """
    queryset = _queryset(source)
    queryset.check_action(action)
    try:
        obj = queryset.visible_to(user).get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404(_("Not found, or outside your scope.")) from None
    if action != VIEW and not queryset.restrict(user, action).filter(pk=obj.pk).exists():
        raise PermissionDenied(_("Your roles do not allow this on this record."))
    return obj


def roles_on(user, obj) -> frozenset[str]:
    """The roles ``user`` holds on ``obj``: the bureau roles where ``obj``'s bureau is in their
    scope, a department's where it is responsible, a school's at that school."""
    return _queryset(type(obj)).object_roles(scope_for(user), obj)


def can(user, capability: Iterable[str]) -> bool:
    """True when the user holds any of the roles that make up ``capability``."""
    return scope_for(user).has(*capability)


def require(user, capability: Iterable[str], message: str | None = None) -> None:
    """Refuse (403) a user none of whose roles reaches ``capability``."""
    if not can(user, capability):
        raise PermissionDenied(message or _("Your roles do not reach this page."))


__all__ = [
    "EDIT",
    "EMPTY_SCOPE",
    "Role",
    "Scope",
    "ScopedQuerySet",
    "UnknownAction",
    "VIEW",
    "any_of",
    "can",
    "forget_scope",
    "get_for",
    "ids_in",
    "require",
    "roles_in_bureau",
    "roles_on",
    "scope_for",
]
