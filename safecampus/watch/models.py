"""The duty watch (值班值守, DOMAIN.md §10; seeds 003 §4, 002 §三.3, 000 §四(一)6②): holiday and
sensitive periods, the duty rosters of the bureau and of each school with a leader on duty
(领导带班), their shifts, the roster's events and the duty log.

A shift's "missed" flag (未到岗) is derived from ``checked_in_at`` (kept on the shift by the
check-in) and the clock, never stored.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safecampus.core.access import ScopedQuerySet
from safecampus.core.models import AppendOnly

from . import access
from .choices import LogKind, PeriodKind, Post, RosterAction, RosterStatus


class PeriodQuerySet(ScopedQuerySet):
    actions = access.PERIOD_ACTIONS

    def scope_filter(self, scope, *, action):
        return access.period_q(scope, action)

    def object_roles(self, scope, obj):
        return access.period_roles(scope, obj)


class WatchPeriod(models.Model):
    """A holiday or sensitive period during which the bureau and its schools keep a duty watch
    (dates inclusive, Asia/Shanghai)."""

    bureau = models.ForeignKey(
        "orgs.Bureau", verbose_name=_("bureau"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=60)
    kind = models.CharField(_("kind"), max_length=12, choices=PeriodKind.choices)
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = PeriodQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "pk"]
        verbose_name = _("duty period")
        constraints = [
            models.UniqueConstraint(fields=["bureau", "name"], name="uniq_watch_period_name"),
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="watch_period_dates"
            ),
        ]
        indexes = [
            models.Index(fields=["bureau", "ends_on", "starts_on"], name="watch_period_days"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("watch:period_detail", args=[self.pk])

    def days(self) -> list:
        n = (self.ends_on - self.starts_on).days + 1
        return [self.starts_on + datetime.timedelta(days=i) for i in range(n)]


class RosterQuerySet(ScopedQuerySet):
    actions = access.ROSTER_ACTIONS

    def scope_filter(self, scope, *, action):
        return access.roster_q(scope, action)

    def object_roles(self, scope, obj):
        return access.roster_roles(scope, obj)


class Roster(models.Model):
    """The duty roster of a period: the bureau's own (no school) or a school's."""

    bureau = models.ForeignKey("orgs.Bureau", on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(
        "orgs.School",
        verbose_name=_("school"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    period = models.ForeignKey(WatchPeriod, on_delete=models.PROTECT, related_name="rosters")
    status = models.CharField(
        _("status"), max_length=12, choices=RosterStatus.choices, default=RosterStatus.DRAFT
    )
    status_changed_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=0)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = RosterQuerySet.as_manager()

    class Meta:
        ordering = ["period", "school__name", "pk"]
        verbose_name = _("duty roster")
        constraints = [
            models.UniqueConstraint(
                fields=["period", "school"],
                condition=Q(school__isnull=False),
                name="uniq_watch_school_roster",
            ),
            models.UniqueConstraint(
                fields=["period"],
                condition=Q(school__isnull=True),
                name="uniq_watch_bureau_roster",
            ),
        ]
        indexes = [
            models.Index(fields=["bureau", "period", "status"], name="watch_roster_status"),
            models.Index(fields=["school", "period"], name="watch_roster_school"),
        ]

    def __str__(self) -> str:
        return f"{self.owner_name} {self.period.name}"

    def get_absolute_url(self) -> str:
        return reverse("watch:roster_detail", args=[self.pk])

    @property
    def owner_name(self) -> str:
        return self.school.name if self.school_id else self.bureau.name

    @property
    def title(self) -> str:
        """The roster's title: "XX学校2027年春节值班表"."""
        return f"{self.owner_name}{self.period.name}值班表"


class ShiftQuerySet(ScopedQuerySet):
    actions = access.ROSTER_ACTIONS

    def scope_filter(self, scope, *, action):
        return access.shift_q(scope, action)

    def object_roles(self, scope, obj):
        return access.roster_roles(scope, obj.roster)

    def missed(self, *, now, grace):
        """Shifts of published rosters with no check-in by their start plus ``grace``."""
        return self.filter(
            roster__status=RosterStatus.PUBLISHED,
            checked_in_at__isnull=True,
            starts_at__lt=now - grace,
        )


class Shift(models.Model):
    """One person on one post from ``starts_at`` to ``ends_at`` (aware datetimes)."""

    roster = models.ForeignKey(Roster, on_delete=models.CASCADE, related_name="shifts")
    #: denormalised from the roster for the overlap rule across the bureau's rosters
    bureau = models.ForeignKey("orgs.Bureau", on_delete=models.PROTECT, related_name="+")
    post = models.CharField(_("post"), max_length=12, choices=Post.choices)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    person_name = models.CharField(_("name"), max_length=40)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    #: set by the check-in (the duty log keeps the entry)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    checked_out_at = models.DateTimeField(null=True, blank=True)

    objects = ShiftQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "pk"]
        verbose_name = _("shift")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="watch_shift_order"
            ),
        ]
        indexes = [
            models.Index(fields=["roster", "starts_at"], name="watch_shift_roster"),
            models.Index(fields=["person", "starts_at"], name="watch_shift_person"),
            models.Index(fields=["bureau", "person_name", "starts_at"], name="watch_shift_name"),
            models.Index(fields=["bureau", "starts_at", "checked_in_at"], name="watch_shift_due"),
        ]

    def __str__(self) -> str:
        return f"{self.person_name} {self.starts_at:%m-%d %H:%M}"

    def is_missed(self, now, grace) -> bool:
        return self.checked_in_at is None and now > self.starts_at + grace


class RosterEvent(AppendOnly, models.Model):
    """What happened to a roster and its shifts: created, shift added/changed/removed,
    imported, published, revised, swapped (before/after person, reason)."""

    roster = models.ForeignKey(Roster, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=16, choices=RosterAction.choices)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_role = models.CharField(max_length=32, blank=True)
    at = models.DateTimeField(default=timezone.now)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["roster", "at"], name="watch_event_roster")]

    def __str__(self) -> str:
        return f"{self.roster_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


class LogQuerySet(ScopedQuerySet):
    actions = frozenset({"view"})

    def scope_filter(self, scope, *, action):
        return access.shift_q(scope, action, "shift__")


class DutyLogEntry(AppendOnly, models.Model):
    """One line of the duty log (值班日志) of a shift: check-in, handover (naming the next
    shift), event, call, patrol, check-out."""

    shift = models.ForeignKey(Shift, on_delete=models.PROTECT, related_name="log_entries")
    kind = models.CharField(_("kind"), max_length=12, choices=LogKind.choices)
    at = models.DateTimeField(_("time"))
    note = models.TextField(_("note"), blank=True)
    next_shift = models.ForeignKey(
        Shift,
        verbose_name=_("next shift"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    #: recorded by someone else on the person's behalf (the school's officer, the centre)
    on_behalf = models.BooleanField(default=False)
    recorded_at = models.DateTimeField(default=timezone.now)

    objects = LogQuerySet.as_manager()

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("duty log entry")
        indexes = [models.Index(fields=["shift", "at"], name="watch_log_shift")]

    def __str__(self) -> str:
        return f"{self.shift_id} {self.kind} {self.at:%m-%d %H:%M}"
