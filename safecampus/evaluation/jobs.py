"""Background jobs of the summary evaluation: archiving a campaign, writing the summary (the
final one from the archive, or a draft from the live data)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from safecampus.campaigns.models import Campaign
from safecampus.core.jobs import JobRefused

from . import services
from .document import summary_document, summary_file_name
from .models import CampaignArchive
from .snapshot import build_snapshot


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
    """The written summary as a Word document (the job's output): the final one of an archived
    campaign (``params["archive"]``), or a draft from the live data of a campaign not yet
    archived (``params["campaign"]``), marked 草稿."""
    if "campaign" in job.params:
        return _summary_draft(job=job, progress=progress)
    archive = (
        CampaignArchive.objects.visible_to(job.created_by)
        .select_related("campaign__bureau")
        .filter(pk=job.params["archive"])
        .first()
    )
    if archive is None:
        raise JobRefused(_("The archive is not within your scope."))
    progress(0, 2, force=True)
    snapshot = archive.read_snapshot()
    progress(1, 2, force=True)
    bureau = archive.campaign.bureau
    with translation.override(job.params.get("language") or settings.LANGUAGE_CODE):
        content = summary_document(snapshot, bureau=bureau, number=archive.doc_number)
        name = summary_file_name(
            bureau_name=bureau.name, campaign_name=snapshot["campaign"]["name"]
        )
    job.output_name = name
    job.output_file.save(f"summary-{archive.campaign_id}.docx", ContentFile(content), save=False)
    services.summary_record(actor=job.created_by, archive=archive, output_name=name)
    return {"url": archive.get_absolute_url()}


def _summary_draft(*, job, progress) -> dict:
    actor = job.created_by
    campaign = (
        Campaign.objects.visible_to(actor)
        .select_related("bureau")
        .filter(pk=job.params["campaign"])
        .first()
    )
    if campaign is None:
        raise JobRefused(_("The campaign is not within your scope."))
    try:
        services.summary_draft_check(actor=actor, campaign=campaign)
    except ValidationError as exc:
        raise JobRefused("；".join(exc.messages)) from exc
    except PermissionDenied as exc:
        raise JobRefused(str(exc)) from exc
    snapshot = build_snapshot(actor=actor, campaign=campaign, progress=progress)
    with translation.override(job.params.get("language") or settings.LANGUAGE_CODE):
        content = summary_document(snapshot, bureau=campaign.bureau, draft=True)
        name = summary_file_name(
            bureau_name=campaign.bureau.name, campaign_name=campaign.name, draft=True
        )
    job.output_name = name
    job.output_file.save(f"summary-draft-{campaign.pk}.docx", ContentFile(content), save=False)
    services.summary_draft_record(actor=actor, campaign=campaign, output_name=name)
    return {"url": reverse("evaluation:campaign_evaluation", args=[campaign.pk])}
