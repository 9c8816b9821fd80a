"""Measure again at once when a school's gates or stage change (``orgs.signals``).

A few schools (a school's page) are measured in the request, after its commit; many (an import
of the school list) queue one check of each bureau concerned.
"""

from __future__ import annotations

import logging

from django.db.models.signals import post_migrate
from django.dispatch import receiver
from django.utils import timezone

from safecampus.core.db import in_write_transaction
from safecampus.orgs.signals import school_geometry_changed

logger = logging.getLogger(__name__)

#: up to this many schools are measured in the request
AT_ONCE = 20


@receiver(school_geometry_changed)
def remeasure(sender, school_ids, **kwargs):
    from safecampus.orgs.models import Bureau, School

    from . import detection, jobs

    now = timezone.now()
    later = list(school_ids)
    if len(school_ids) <= AT_ONCE:
        later = []
        for school_id in school_ids:
            try:
                in_write_transaction(
                    lambda school_id=school_id: detection.check_school(school_id, now=now)
                )
            except Exception:  # the school's change is committed: measure in the background
                logger.exception("measuring school %s again failed; queued a re-check", school_id)
                later.append(school_id)
        if not later:
            return
    bureau_ids = set(School.objects.filter(pk__in=later).values_list("bureau_id", flat=True))
    for bureau in Bureau.objects.filter(pk__in=bureau_ids):
        in_write_transaction(lambda bureau=bureau: jobs.start_recheck(user=None, bureau=bureau))


def build_missing_sites(sender, using="default", **kwargs):
    """After ``migrate``: the schools that have gates but no zone site yet (a deployment that
    had schools before the zone existed) get their sites and cells, so venues are measured
    against them from the first registration on."""
    if sender.name != "safecampus.zones":
        return
    from safecampus.orgs.models import School, SchoolGate

    from . import detection
    from .models import ZoneSite

    missing = list(
        School.objects.using(using)
        .filter(pk__in=SchoolGate.objects.using(using).values("school_id"))
        .exclude(pk__in=ZoneSite.objects.using(using).values("school_id"))
        .values_list("pk", flat=True)
    )
    for start in range(0, len(missing), 2000):
        part = missing[start : start + 2000]
        in_write_transaction(lambda part=part: detection.refresh_sites(part))


post_migrate.connect(build_missing_sites, dispatch_uid="zones.build_missing_sites")
