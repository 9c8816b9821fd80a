"""Dashboard snapshots: the bureau dashboard of a scope too large to count on every request.

A district's dashboard is counted live from the register (≈100–200 ms with the covering indexes).
A city's or a province's covers every school and millions of hazards, and counting it takes
seconds whatever the indexes (``bench/README.md``, "Dashboards"). For those scopes — more schools
than ``settings.DASHBOARD_LIVE_MAX_SCHOOLS`` after the filters — the page shows a snapshot of
its figures with their "as of" time, counted by a job:

- the first view of a scope and filter set starts the job and shows its progress bar;
- a view of a snapshot older than ``settings.DASHBOARD_SNAPSHOT_MAX_AGE`` seconds shows it as it
  is and starts a refresh, and anyone may ask for one ("update now");
- the periodic task ``refresh_snapshots`` keeps the snapshots viewed in the last day fresh and
  deletes those not viewed for a week.

A snapshot is found by a digest of the viewer's scope fingerprint, the filters and the language
(:func:`key_for`), never by its id, so it is shown only to viewers who would count exactly the
same figures. Only one refresh of a snapshot runs at a time: a refresh is claimed by a
conditional ``UPDATE`` that one process wins, whatever the number of web and job workers.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
import time

from django.conf import settings
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from safecampus.core.access import forget_scope, scope_for
from safecampus.core.jobs import JobRefused, job_start

from . import selectors
from .models import DashboardSnapshot

logger = logging.getLogger(__name__)

#: a claimed refresh older than this is taken to have died with its worker
CLAIM_TIMEOUT = datetime.timedelta(minutes=15)
#: ``viewed_at`` is written at most this often per snapshot
VIEW_TOUCH = datetime.timedelta(minutes=5)
#: the periodic task refreshes snapshots viewed this recently, and deletes those older than
KEEP_WARM = datetime.timedelta(days=1)
FORGET_AFTER = datetime.timedelta(days=7)

JOB_KIND = "reports.dashboard_snapshot"


def counted_live(*, user, filters: selectors.Filters) -> bool:
    """True when the dashboard of ``user`` with ``filters`` is small enough to count live."""
    limit = settings.DASHBOARD_LIVE_MAX_SCHOOLS
    schools = selectors.schools_in_scope(user=user, filters=filters)
    return not schools[limit : limit + 1].exists()


def key_for(*, user, params: dict, language: str) -> str:
    """The snapshot key of ``user``'s scope with these filters (register parameters)."""
    text = json.dumps(
        [scope_for(user).fingerprint(), params, language], sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(text.encode()).hexdigest()


# --- figures as JSON ----------------------------------------------------------------------------


def encode(value):
    """The dashboard's figures as JSON values; dates become ``{"$date": "YYYY-MM-DD"}``."""
    if isinstance(value, dict):
        return {k: encode(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [encode(v) for v in value]
    if isinstance(value, datetime.datetime):
        raise TypeError("dashboard figures hold dates, not datetimes")
    if isinstance(value, datetime.date):
        return {"$date": value.isoformat()}
    return value


def decode(value):
    """The inverse of :func:`encode`."""
    if isinstance(value, dict):
        if value.keys() == {"$date"}:
            return datetime.date.fromisoformat(value["$date"])
        return {k: decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


# --- serving ------------------------------------------------------------------------------------


def snapshot_for(*, user, filters: selectors.Filters) -> DashboardSnapshot:
    """The snapshot of the user's scope and filters; created, counted or refreshed as needed.

    A missing or stale snapshot gets a refresh job (unless one is running); the caller shows
    what there is: the figures with their "as of" time, or the job's progress.
    """
    params = filters.register_params()
    language = translation.get_language() or settings.LANGUAGE_CODE
    key = key_for(user=user, params=params, language=language)
    now = timezone.now()
    # the map's points (megabytes for a province) are read by map.json only
    snap, created = DashboardSnapshot.objects.defer("points").get_or_create(
        key=key,
        defaults={
            "scope": scope_for(user).fingerprint(),
            "filters": params,
            "language": language,
            "viewed_by": user,
            "viewed_at": now,
        },
    )
    if not created and (snap.viewed_at < now - VIEW_TOUCH or snap.viewed_by_id != user.pk):
        DashboardSnapshot.objects.filter(pk=snap.pk).update(viewed_at=now, viewed_by=user)
    if is_stale(snap, now=now):
        start_refresh(snap, user=user)
    return snap


def dashboard_figures(*, user, filters: selectors.Filters, campaigns=None) -> dict:
    """The dashboard's figures for ``user`` and ``filters``, as the page and the API show them:
    ``d`` (None while the first count of a snapshot runs), the ``snapshot`` they are read from
    (None when counted live), whether it is being ``refreshing`` and ``as_of``, the time the
    snapshot was counted (None when counted live: now)."""
    if counted_live(user=user, filters=filters):
        d = selectors.dashboard(user=user, filters=filters, campaigns=campaigns)
        return {"d": d, "snapshot": None, "refreshing": False, "as_of": None}
    snap = snapshot_for(user=user, filters=filters)
    return {
        "d": decode(snap.data) if snap.data is not None else None,
        "snapshot": snap,
        "refreshing": is_refreshing(snap),
        "as_of": timezone.localtime(snap.computed_at) if snap.computed_at is not None else None,
    }


def find(*, user, filters: selectors.Filters, fields=()) -> DashboardSnapshot | None:
    """The user's snapshot for these filters, if there is one (nothing is started); of its
    figures and map points only ``fields`` are read."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    key = key_for(user=user, params=filters.register_params(), language=language)
    heavy = {"data", "points"} - set(fields)
    return DashboardSnapshot.objects.select_related("job").defer(*heavy).filter(key=key).first()


def points_json(*, user, filters: selectors.Filters) -> str | None:
    """The map's points of the user's snapshot as the JSON text the database holds (3 MB for a
    province: sent as it is, never decoded and encoded again); None until counted."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    key = key_for(user=user, params=filters.register_params(), language=language)
    return (
        DashboardSnapshot.objects.filter(key=key, points__isnull=False)
        .annotate(text=Cast("points", TextField()))
        .values_list("text", flat=True)
        .first()
    )


def is_stale(snap: DashboardSnapshot, *, now=None) -> bool:
    now = now or timezone.now()
    max_age = datetime.timedelta(seconds=settings.DASHBOARD_SNAPSHOT_MAX_AGE)
    return snap.computed_at is None or snap.computed_at < now - max_age


def is_refreshing(snap: DashboardSnapshot, *, now=None) -> bool:
    now = now or timezone.now()
    return snap.refreshing_since is not None and snap.refreshing_since >= now - CLAIM_TIMEOUT


def _claim(snap: DashboardSnapshot, now) -> bool:
    """Mark ``snap`` as being refreshed; False when another refresh holds it."""
    free = Q(refreshing_since__isnull=True) | Q(refreshing_since__lt=now - CLAIM_TIMEOUT)
    won = DashboardSnapshot.objects.filter(free, pk=snap.pk).update(refreshing_since=now)
    if won:
        snap.refreshing_since = now
    return bool(won)


def start_refresh(snap: DashboardSnapshot, *, user):
    """Start a refresh job of ``snap`` as ``user`` (whose scope it is); None when one runs."""
    if not _claim(snap, timezone.now()):
        return None
    job = job_start(
        kind=JOB_KIND,
        title=_("Dashboard figures"),
        user=user,
        params={"snapshot": snap.pk},
    )
    DashboardSnapshot.objects.filter(pk=snap.pk).update(job=job)
    snap.job = job
    return job


def compute(snap: DashboardSnapshot, *, user, progress=None) -> bool:
    """Count ``snap``'s figures with ``user``'s scope and store them; False (and nothing
    stored) when ``user`` no longer has the scope the snapshot is keyed on."""
    from .forms import DashboardFilterForm

    forget_scope(user)
    key = key_for(user=user, params=snap.filters, language=snap.language)
    if not user.is_active or key != snap.key:
        DashboardSnapshot.objects.filter(pk=snap.pk).update(refreshing_since=None)
        return False
    started, clock = timezone.now(), time.monotonic()
    with translation.override(snap.language):
        campaigns = selectors.visible_campaigns(user)
        form = DashboardFilterForm(snap.filters or None, user=user, campaigns=campaigns)
        if form.is_bound:
            form.is_valid()
        filters = form.filters()
        data = selectors.dashboard(
            user=user, filters=filters, campaigns=campaigns, progress=progress
        )
        points = selectors.map_points(user=user, filters=filters)
    snap.data = encode(data)
    snap.points = points
    snap.computed_at = started
    snap.duration_ms = int((time.monotonic() - clock) * 1000)
    snap.refreshing_since = None
    snap.save(update_fields=["data", "points", "computed_at", "duration_ms", "refreshing_since"])
    return True


def snapshot_job(*, job, progress) -> dict:
    """Job handler: count the snapshot named in ``job.params``."""
    snap = DashboardSnapshot.objects.filter(pk=job.params.get("snapshot")).first()
    if snap is None:
        raise JobRefused(_("These dashboard figures are no longer kept."))
    try:
        ok = compute(snap, user=job.created_by, progress=progress)
    except BaseException:
        DashboardSnapshot.objects.filter(pk=snap.pk).update(refreshing_since=None)
        raise
    if not ok:
        raise JobRefused(_("Your roles changed while the figures were being counted."))
    return {"duration_ms": snap.duration_ms}


def refresh_snapshots(*, now=None) -> dict:
    """The periodic refresh: count again every snapshot viewed in the last day whose figures
    are older than the maximum age (as its last viewer), and delete those not viewed for a
    week. Returns how many were refreshed, skipped and deleted."""
    now = now or timezone.now()
    deleted, _kinds = DashboardSnapshot.objects.filter(viewed_at__lt=now - FORGET_AFTER).delete()
    max_age = datetime.timedelta(seconds=settings.DASHBOARD_SNAPSHOT_MAX_AGE)
    due = (
        DashboardSnapshot.objects.filter(viewed_at__gte=now - KEEP_WARM, viewed_by__isnull=False)
        .filter(Q(computed_at__isnull=True) | Q(computed_at__lt=now - max_age))
        .select_related("viewed_by")
        .defer("data", "points")
        .order_by("computed_at")
    )
    refreshed = skipped = 0
    for snap in due:
        if not _claim(snap, timezone.now()):
            skipped += 1
            continue
        # no job: a viewer meanwhile sees an indeterminate bar, not the last job's 100 %
        DashboardSnapshot.objects.filter(pk=snap.pk).update(job=None)
        try:
            ok = compute(snap, user=snap.viewed_by)
        except Exception:
            logger.exception("dashboard snapshot %s could not be refreshed", snap.pk)
            DashboardSnapshot.objects.filter(pk=snap.pk).update(refreshing_since=None)
            ok = False
        refreshed += ok
        skipped += not ok
    return {"refreshed": refreshed, "skipped": skipped, "deleted": deleted}
