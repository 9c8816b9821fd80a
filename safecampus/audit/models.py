"""The audit log: an append-only record of security events and configuration changes."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safecampus.core.access import Scope, ScopedQuerySet
from safecampus.core.models import AppendOnly

from . import access


class Action(models.TextChoices):
    LOGIN_SUCCEEDED = "login_succeeded", _("Login succeeded")
    LOGIN_FAILED = "login_failed", _("Login failed")
    LOGIN_REFUSED_LOCKED = "login_refused_locked", _("Login refused: account locked")
    ACCOUNT_LOCKED = "account_locked", _("Account locked")
    ACCOUNT_UNLOCKED = "account_unlocked", _("Account unlocked")
    LOGOUT = "logout", _("Logout")
    PASSWORD_CHANGED = "password_changed", _("Password changed")
    PASSWORD_RESET = "password_reset", _("Password reset")
    USER_CREATED = "user_created", _("User created")
    USER_UPDATED = "user_updated", _("User updated")
    ROLE_GRANTED = "role_granted", _("Role granted")
    ROLE_REVOKED = "role_revoked", _("Role revoked")
    API_TOKEN_CREATED = "api_token_created", _("API token created")
    API_TOKEN_REVOKED = "api_token_revoked", _("API token revoked")
    CONFIG_CREATED = "config_created", _("Configuration created")
    CONFIG_CHANGED = "config_changed", _("Configuration changed")
    IMPORT = "import", _("Import")
    EXPORT = "export", _("Export")
    RESTRICTED_READ = "restricted_read", _("Restricted case read")
    RESTRICTED_DENIED = "restricted_denied", _("Restricted case refused")


class AuditEventQuerySet(ScopedQuerySet):
    #: the log is append-only: it is read, never edited
    actions = frozenset({"view"})

    # Rows are append-only (the hash chain): no bulk changes either. PostgreSQL also refuses
    # UPDATE, DELETE and TRUNCATE with triggers (migration 0004).
    def update(self, **kwargs):
        raise ValueError("AuditEvent rows are append-only")

    def delete(self):
        raise ValueError("AuditEvent rows are append-only")

    def scope_filter(self, scope: Scope, *, action: str):
        return access.audit_event_q(scope, action)


class AuditEvent(AppendOnly, models.Model):
    """One audited event. Rows are written by :func:`safecampus.audit.services.audit_record`
    and never updated or deleted.

    The rows form a hash chain (:mod:`safecampus.audit.chain`): ``seq`` numbers them 1, 2, 3 …
    without gaps in the order they were appended, ``prev_hash`` is the ``hash`` of row
    ``seq - 1`` and ``hash`` is the SHA-256 of this row's content and ``prev_hash``. An edited,
    deleted or moved row breaks the chain at that point (``manage.py audit_verify``).
    """

    seq = models.BigIntegerField(_("sequence"), unique=True, editable=False)
    at = models.DateTimeField(_("time"), default=timezone.now, editable=False, db_index=True)
    action = models.CharField(_("action"), max_length=32, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_events",
    )
    actor_username = models.CharField(_("actor username"), max_length=150, blank=True)
    bureau = models.ForeignKey(
        "orgs.Bureau", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    target_type = models.CharField(_("object type"), max_length=64, blank=True)
    target_id = models.CharField(_("object id"), max_length=64, blank=True)
    target_repr = models.CharField(_("object"), max_length=255, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64, editable=False)
    hash = models.CharField(_("hash"), max_length=64, editable=False)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["action", "-at"]),
            models.Index(fields=["actor_username", "-at"]),
            models.Index(fields=["bureau", "-at"]),
            models.Index(fields=["target_type", "target_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.get_action_display()} {self.actor_username}"


class ChainCheck(models.Model):
    """The outcome of one verification of the hash chain (``manage.py audit_verify --record`` and
    the nightly task). A good check's head is an anchor for the next: the row at ``head_seq`` must
    still carry ``head_hash``, so deleting the newest rows does not go unnoticed."""

    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"))
    ok = models.BooleanField(_("intact"))
    rows = models.BigIntegerField(_("rows"))
    head_seq = models.BigIntegerField(_("last sequence"))
    head_hash = models.CharField(_("last hash"), max_length=64)
    head_at = models.DateTimeField(_("last event time"), null=True, blank=True)
    breaks = models.IntegerField(_("broken links"), default=0)
    first_break = models.JSONField(_("first broken link"), null=True, blank=True)

    class Meta:
        ordering = ["-finished_at", "-id"]
        verbose_name = _("chain check")
        verbose_name_plural = _("chain checks")

    def __str__(self) -> str:
        return f"{self.finished_at:%Y-%m-%d %H:%M} {'ok' if self.ok else 'BROKEN'}"

    BREAK_KINDS = {
        "edited": _("an event was changed"),
        "deleted": _("events were deleted"),
        "reordered": _("events were moved or replaced"),
        "truncated": _("the newest events were deleted"),
    }

    @property
    def first_break_kind(self) -> str:
        kind = (self.first_break or {}).get("kind", "")
        return str(self.BREAK_KINDS.get(kind, kind))
