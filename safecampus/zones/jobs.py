"""Background jobs of the student safety zone: checking a bureau's venues again.

``zones.recheck`` (params ``{"bureau": id}``) runs when a zone rule changes, when many schools'
gates changed at once (an import), or when the centre asks. It rebuilds the schools' sites and
measures every venue in chunks, one transaction each, so a second run, or the run after a worker
died mid-way, leaves the same hits and cases.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from safecampus.core.access import scope_for
from safecampus.core.jobs import JobRefused, job_start

from . import access, detection
from .choices import ZoneEventKind
from .models import ZoneEvent


def recheck_job(*, job, progress) -> dict:
    """Check the venues of ``job.params["bureau"]`` again, as the user who started the job
    (or the system, after an import of schools)."""
    from safecampus.orgs.models import Bureau

    bureau = Bureau.objects.filter(pk=(job.params or {}).get("bureau")).first()
    if bureau is None:
        raise JobRefused(_("The bureau to check does not exist."))
    user = job.created_by
    if user is not None and bureau.pk not in access.manage_bureaus(scope_for(user)):
        raise JobRefused(_("You may not check this bureau's venues again."))
    progress(0, None, force=True)
    now = timezone.now()
    counts = detection.recheck_bureau(
        bureau.pk, now=now, progress=lambda done, total: progress(done, total)
    )
    ZoneEvent.objects.create(
        bureau=bureau,
        kind=ZoneEventKind.RECHECK,
        action="recheck",
        actor=user,
        actor_role="safety_centre" if user else "system",
        at=now,
        data=dict(counts),
    )
    progress(counts.get("venues", 0), counts.get("venues", 0), force=True)
    return {"bureau": bureau.pk, **counts}


def start_recheck(*, user, bureau):
    return job_start(
        kind="zones.recheck",
        title=_("Check the venues near %(bureau)s's schools again") % {"bureau": bureau.name},
        user=user,
        params={"bureau": bureau.pk},
    )
