"""Measure again at once when a school's gates or stage change (``orgs.signals``).

A few schools (a school's page) are measured in the request, after its commit; many (an import
of the school list) queue one check of each bureau concerned.
"""

from __future__ import annotations

from django.dispatch import receiver
from django.utils import timezone

from safecampus.core.db import in_write_transaction
from safecampus.orgs.signals import school_geometry_changed

#: up to this many schools are measured in the request
AT_ONCE = 20


@receiver(school_geometry_changed)
def remeasure(sender, school_ids, **kwargs):
    from safecampus.orgs.models import Bureau, School

    from . import detection, jobs

    now = timezone.now()
    if len(school_ids) <= AT_ONCE:
        for school_id in school_ids:
            in_write_transaction(
                lambda school_id=school_id: detection.check_school(school_id, now=now)
            )
        return
    bureau_ids = set(School.objects.filter(pk__in=school_ids).values_list("bureau_id", flat=True))
    for bureau in Bureau.objects.filter(pk__in=bureau_ids):
        in_write_transaction(lambda bureau=bureau: jobs.start_recheck(user=None, bureau=bureau))
