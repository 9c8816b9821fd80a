"""The one scoping mechanism.

A :class:`Scope` is built once per request from the user's active role assignments. Every scoped
model's queryset offers ``visible_to(user)`` (and, where it differs, ``editable_by(user)``), which
turn the scope into a ``WHERE`` clause. Views, forms, exports, counts and API endpoints all go
through those methods, so there is exactly one place that decides what a user may see.

Nothing here is cached beyond the user object of the current request.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import models

from .roles import Role

_CACHE_ATTR = "_safecampus_scope"


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
        read ``scope.user_id`` (only accounts and jobs do). Figures cached for a scope are keyed
        by it (``reports.snapshots``)."""
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
    """The scope of ``user``, computed once per user object (that is, once per request)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return EMPTY_SCOPE
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    scope = _build_scope(user)
    setattr(user, _CACHE_ATTR, scope)
    return scope


def forget_scope(user) -> None:
    """Drop the cached scope after the user's roles changed within the same request."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def _build_scope(user) -> Scope:
    from safecampus.accounts.models import RoleAssignment
    from safecampus.orgs.models import Bureau

    rows = list(
        RoleAssignment.objects.active()
        .filter(user_id=user.pk)
        .values_list(
            "role",
            "bureau_id",
            "department_id",
            "department__bureau_id",
            "school_id",
            "school__bureau_id",
            "partner_id",
            "partner__bureau_id",
        )
    )
    roles: set[str] = set()
    roots_by_role: dict[str, set[int]] = {}
    departments, schools, partners, members = set(), set(), set(), set()
    for row in rows:
        role, bureau_id, department_id, dept_bureau_id, school_id, _sb, partner_id, _pb = row
        members.update(b for b in (bureau_id, dept_bureau_id, _sb, _pb) if b)
        roles.add(role)
        if bureau_id:
            roots_by_role.setdefault(role, set()).add(bureau_id)
        if department_id:
            departments.add(department_id)
            roots_by_role.setdefault(role, set()).add(dept_bureau_id)
        if school_id:
            schools.add(school_id)
        if partner_id:
            partners.add(partner_id)

    bureaus_by_role: dict[str, frozenset[int]] = {}
    all_roots = set().union(*roots_by_role.values()) if roots_by_role else set()
    if all_roots:
        subtree = Bureau.objects.subtree_map(all_roots)
        for role, roots in roots_by_role.items():
            ids: set[int] = set()
            for root in roots:
                ids |= subtree.get(root, {root})
            bureaus_by_role[role] = frozenset(ids)
    return Scope(
        user_id=user.pk,
        roles=frozenset(roles),
        bureaus_by_role=bureaus_by_role,
        department_ids=frozenset(departments),
        school_ids=frozenset(schools),
        partner_ids=frozenset(partners),
        member_bureau_ids=frozenset(members),
    )


class ScopedQuerySet(models.QuerySet):
    """Base for querysets of scoped models. Subclasses implement :meth:`scope_filter`."""

    def scope_filter(self, scope: Scope, *, action: str) -> models.Q | None:
        """The condition for ``action`` ("view" or "edit"); ``None`` means nothing at all.

        The default shows nothing, so a model that forgets to define its scope leaks nothing.
        """
        return None

    def visible_to(self, user):
        return self._apply(user, "view")

    def editable_by(self, user):
        return self._apply(user, "edit")

    def _apply(self, user, action: str):
        scope = scope_for(user)
        if scope.is_empty:
            return self.none()
        q = self.scope_filter(scope, action=action)
        return self.none() if q is None else self.filter(q)


def can(user, capability: frozenset[str] | set[str]) -> bool:
    """True when the user holds any of the roles that make up ``capability``."""
    return scope_for(user).has(*capability)


__all__ = ["Role", "Scope", "ScopedQuerySet", "scope_for", "forget_scope", "can", "EMPTY_SCOPE"]
