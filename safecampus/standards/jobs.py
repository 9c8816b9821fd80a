"""Background jobs of security standards: evaluating a bureau's schools again.

``standards.evaluate`` (params ``{"bureau": id}``) is queued when a rule set a bureau applies is
published or its policy changes (``services.start_evaluations``). It runs the rules on every
active school in chunks, one transaction each (``services.evaluate_bureau``), so it is safe to
run again: a second run, or the run after a worker died mid-way, leaves the same cards, findings
and figures.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from safecampus.core.access import scope_for
from safecampus.core.jobs import JobRefused

from . import access, services


def evaluate_job(*, job, progress) -> dict:
    """Evaluate the schools of ``job.params["bureau"]``, as the user who started the job."""
    from safecampus.orgs.models import Bureau

    bureau = Bureau.objects.filter(pk=(job.params or {}).get("bureau")).first()
    if bureau is None:
        raise JobRefused(_("The bureau to evaluate does not exist."))
    user = job.created_by
    if user is not None and bureau.pk not in access.manage_bureaus(scope_for(user)):
        raise JobRefused(_("You may not evaluate this bureau's schools."))
    progress(0, None, force=True)
    try:
        totals = services.evaluate_bureau(bureau, actor=user, progress=progress)
    except ValueError as exc:  # rule sets extending each other in a circle
        raise JobRefused(str(exc)) from exc
    progress(totals.get("schools", 0), totals.get("schools", 0), force=True)
    return {"bureau": bureau.pk, **totals}
