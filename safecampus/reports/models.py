"""Cached figures of the bureau dashboard for scopes too large to count live (see
``snapshots``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DashboardSnapshot(models.Model):
    """The figures of the bureau dashboard for one scope, one set of filters and one language,
    computed by a job and shown with their "as of" time.

    This is derived data, not business history: a refresh overwrites it. It is found only by
    ``key``, a digest of the viewer's scope fingerprint, the filters and the language, so a
    snapshot is never shown to a scope other than the one it was counted for.
    """

    key = models.CharField(max_length=64, unique=True)
    #: the scope fingerprint and the filters (register parameters) behind ``key``
    scope = models.JSONField()
    filters = models.JSONField(default=dict, blank=True)
    language = models.CharField(max_length=16)
    #: the dashboard's figures (``snapshots.encode``) and the map's points; null until counted
    data = models.JSONField(null=True, blank=True)
    points = models.JSONField(null=True, blank=True)
    #: when the counting began: the figures are the register as it was then
    computed_at = models.DateTimeField(_("as of"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    #: set while a refresh is claimed, so that only one runs at a time
    refreshing_since = models.DateTimeField(null=True, blank=True)
    #: the job of the refresh a viewer started (its progress bar)
    job = models.ForeignKey(
        "core.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: the last viewer, whose scope the periodic refresh counts with
    viewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    viewed_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["viewed_at"], name="dash_snap_viewed")]

    def __str__(self) -> str:
        return f"dashboard snapshot {self.key[:12]}"
