"""Background jobs of the summary evaluation: archiving a campaign, writing the summary."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.utils import translation
from django.utils.translation import gettext as _

from safecampus.campaigns.models import Campaign
from safecampus.core.jobs import JobRefused

from . import services
from .document import summary_document
from .models import CampaignArchive


def archive_job(*, job, progress) -> dict:
    """Archive the campaign ``job.params["campaign"]`` as the user who started the job."""
    try:
        archive = services.campaign_archive(
            actor=job.created_by,
            campaign_id=job.params["campaign"],
            progress=progress,
            override_reason=job.params.get("override_reason", ""),
        )
    except ValidationError as exc:
        raise JobRefused("；".join(exc.messages)) from exc
    except (PermissionDenied, Campaign.DoesNotExist) as exc:
        raise JobRefused(_("The campaign is not within your scope.")) from exc
    return {"url": archive.get_absolute_url(), "hazards": archive.totals.get("hazards", 0)}


def summary_docx_job(*, job, progress) -> dict:
    """The written summary of an archived campaign as a Word document (the job's output)."""
    archive = (
        CampaignArchive.objects.visible_to(job.created_by)
        .select_related("campaign")
        .filter(pk=job.params["archive"])
        .first()
    )
    if archive is None:
        raise JobRefused(_("The archive is not within your scope."))
    progress(0, 2, force=True)
    snapshot = archive.read_snapshot()
    progress(1, 2, force=True)
    with translation.override(job.params.get("language") or settings.LANGUAGE_CODE):
        content = summary_document(snapshot)
        name = _("%(name)s written summary.docx") % {"name": snapshot["campaign"]["name"]}
    job.output_name = name
    job.output_file.save(f"summary-{archive.campaign_id}.docx", ContentFile(content), save=False)
    services.summary_record(actor=job.created_by, archive=archive, output_name=name)
    return {"url": archive.get_absolute_url()}
