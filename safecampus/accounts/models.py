"""Users and the roles they hold in organisations (DOMAIN.md §1)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safecampus.core.access import Scope, ScopedQuerySet
from safecampus.core.roles import ROLE_LEVEL, OrgLevel, Role

from . import access


class UserQuerySet(ScopedQuerySet):
    actions = frozenset({"view", "edit"})

    def scope_filter(self, scope: Scope, *, action: str):
        # Security admins manage the accounts of their bureau subtree; everyone sees themself.
        return access.user_q(scope, action)

    def object_roles(self, scope: Scope, obj) -> frozenset[str]:
        return access.user_roles(scope, obj)


class SafeCampusUserManager(UserManager.from_queryset(UserQuerySet)):
    pass


class User(AbstractUser):
    """A person who logs in. Login policy state (failures, lock) lives here."""

    full_name = models.CharField(_("full name"), max_length=64, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    bureau = models.ForeignKey(
        "orgs.Bureau",
        verbose_name=_("bureau"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        help_text=_("The bureau whose security admin manages this account."),
    )
    failed_logins = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    #: when a login attempt last took one of the account's turns (see accounts.services)
    login_turn_at = models.DateTimeField(null=True, blank=True, editable=False)
    must_change_password = models.BooleanField(default=False)

    objects = SafeCampusUserManager()

    class Meta:
        ordering = ["username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return f"{self.full_name} ({self.username})" if self.full_name else self.username

    def get_absolute_url(self) -> str:
        return reverse("accounts:user_detail", args=[self.pk])

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    def is_locked(self, now=None) -> bool:
        return bool(self.locked_until and self.locked_until > (now or timezone.now()))

    def build_scope(self):
        """What this user may reach (``core.access.scope_for`` caches it per request): role →
        bureau subtree ids, and the departments, schools and partner units held."""
        from safecampus.orgs.models import Bureau

        rows = list(
            RoleAssignment.objects.active()
            .filter(user_id=self.pk)
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
            user_id=self.pk,
            roles=frozenset(roles),
            bureaus_by_role=bureaus_by_role,
            department_ids=frozenset(departments),
            school_ids=frozenset(schools),
            partner_ids=frozenset(partners),
            member_bureau_ids=frozenset(members),
        )


class RoleAssignmentQuerySet(ScopedQuerySet):
    actions = frozenset({"view", "edit"})

    def active(self):
        return self.filter(revoked_at__isnull=True)

    def scope_filter(self, scope: Scope, *, action: str):
        return access.role_assignment_q(scope, action)


def _held_at(level: str) -> Q:
    """Roles of ``level`` name exactly that one organisation and no other."""
    orgs = {
        "bureau": OrgLevel.BUREAU,
        "department": OrgLevel.DEPARTMENT,
        "school": OrgLevel.SCHOOL,
        "partner": OrgLevel.PARTNER,
    }
    return Q(
        role__in=[r for r, lvl in ROLE_LEVEL.items() if lvl == level],
        **{f"{field}__isnull": org_level != level for field, org_level in orgs.items()},
    )


_ONE_ORG = (
    _held_at(OrgLevel.BUREAU)
    | _held_at(OrgLevel.DEPARTMENT)
    | _held_at(OrgLevel.SCHOOL)
    | _held_at(OrgLevel.PARTNER)
)


class RoleAssignment(models.Model):
    """A user holds a role in one organisation. Revoking keeps the row (history is kept)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="role_assignments"
    )
    role = models.CharField(_("role"), max_length=24, choices=Role.choices)
    bureau = models.ForeignKey(
        "orgs.Bureau",
        verbose_name=_("bureau"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    department = models.ForeignKey(
        "orgs.Department",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="role_assignments",
    )
    school = models.ForeignKey(
        "orgs.School",
        verbose_name=_("school"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="role_assignments",
    )
    partner = models.ForeignKey(
        "orgs.PartnerUnit",
        verbose_name=_("partner unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="role_assignments",
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    granted_at = models.DateTimeField(default=timezone.now)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = RoleAssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["user", "role"]
        verbose_name = _("role assignment")
        indexes = [models.Index(fields=["user", "revoked_at"])]
        constraints = [
            models.CheckConstraint(name="role_assignment_one_org", condition=_ONE_ORG),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} · {self.organisation}"

    @property
    def organisation(self):
        return self.bureau or self.department or self.school or self.partner

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


def _token_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def owned_by(self, user):
        return self.filter(user=user)


class ApiToken(models.Model):
    """An API token. Only the SHA-256 of its key is stored: the key is shown once, when it is
    issued, and a leaked database does not leak working credentials.

    A token expires when unused for ``API_TOKEN_IDLE_DAYS`` and, however often it is used,
    ``API_TOKEN_MAX_DAYS`` after it was issued. ``last_used_at`` is written at most once per
    ``API_TOKEN_TOUCH_SECONDS``, not on every request."""

    #: the first characters of a key, kept to tell tokens apart in a list
    PREFIX_LENGTH = 8

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(_("key begins with"), max_length=PREFIX_LENGTH)
    name = models.CharField(_("name"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @staticmethod
    def hash_key(key: str) -> str:
        return _token_hash(key)

    @classmethod
    def issue(cls, user, *, name: str = "", now=None) -> tuple[ApiToken, str]:
        """Create a token for ``user``; returns it and its key (never stored in clear)."""
        key = secrets.token_hex(20)
        token = cls.objects.create(
            user=user,
            key_hash=_token_hash(key),
            prefix=key[: cls.PREFIX_LENGTH],
            name=name,
            created_at=now or timezone.now(),
        )
        return token, key

    def expires_at(self):
        idle = timedelta(days=settings.API_TOKEN_IDLE_DAYS)
        absolute = timedelta(days=settings.API_TOKEN_MAX_DAYS)
        return min((self.last_used_at or self.created_at) + idle, self.created_at + absolute)

    def is_expired(self, now=None) -> bool:
        return (now or timezone.now()) >= self.expires_at()
