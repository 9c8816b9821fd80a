"""Writes of the summary evaluation: confirming summary categories and archiving a campaign."""

from __future__ import annotations

import datetime
import gzip
import hashlib
import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from safecampus.audit.models import Action
from safecampus.audit.services import audit_record
from safecampus.campaigns.choices import CampaignStatus
from safecampus.campaigns.models import Campaign
from safecampus.campaigns.services import campaign_close
from safecampus.core.access import roles_on, scope_for
from safecampus.core.jobs import job_start
from safecampus.core.refusals import Code, refuse
from safecampus.core.roles import Role
from safecampus.hazards.choices import Status, Summary
from safecampus.hazards.models import Hazard
from safecampus.orgs.services import document_number

from . import access
from .models import CampaignArchive, EvaluationAction, EvaluationEvent, SummaryConfirmation
from .selectors import (
    archive_readiness,
    campaign_hazards,
    confirm_role,
    evaluation_phase,
    needs_confirmation_q,
)
from .snapshot import build_snapshot


def require_open_evaluation(campaign: Campaign, today: datetime.date) -> None:
    if campaign.status == CampaignStatus.DRAFT:
        raise refuse(_("The campaign has not been launched."), "invalid")
    if CampaignArchive.objects.filter(campaign=campaign).exists():
        raise refuse(
            _("The campaign is archived: its summary categories no longer change."), "archived"
        )
    phase = evaluation_phase(campaign)
    if phase is None:
        raise refuse(_("The campaign has no summary-and-evaluation phase."), "no_phase")
    if today < phase.starts_on:
        raise refuse(
            _("The summary-and-evaluation phase starts on %(date)s.")
            % {"date": phase.starts_on.isoformat()},
            "not_started",
        )


def closed_reason(campaign: Campaign, today: datetime.date) -> str | None:
    """Why confirmations are not taken now, or None when they are (for the page and the API)."""
    try:
        require_open_evaluation(campaign, today)
    except ValidationError as exc:
        return "；".join(exc.messages)
    return None


def _validate(
    *, hazard: Hazard, category: str, complete_by, note: str, today: datetime.date
) -> tuple[str, datetime.date | None]:
    derived = hazard.summary
    errors: dict[str, list[tuple[str, str]]] = {}
    if category not in Summary.values:
        errors["category"] = [(_("Choose one of the three categories."), "invalid")]
    elif category != derived and not note:
        errors["note"] = [
            (
                _("Explain why the category differs from the one the register gives."),
                "note_required",
            )
        ]
    if category == Summary.IN_PROGRESS:
        if complete_by is None:
            errors["complete_by"] = [
                (_("Give the date by which it will be resolved."), "date_required")
            ]
        elif complete_by < today:
            errors["complete_by"] = [(_("The date must not be in the past."), "date_past")]
    else:
        complete_by = None
    if errors:
        first = next(iter(errors.values()))[0][1]
        raise refuse(errors, first)
    return derived, complete_by


def _confirm(
    *,
    actor,
    role: str,
    hazard: Hazard,
    category: str,
    complete_by,
    note: str,
    today: datetime.date,
    bulk: bool = False,
) -> SummaryConfirmation:
    derived, complete_by = _validate(
        hazard=hazard, category=category, complete_by=complete_by, note=note, today=today
    )
    return SummaryConfirmation.objects.create(
        campaign_id=hazard.campaign_id,
        hazard=hazard,
        department_id=hazard.responsible_department_id,
        derived=derived,
        category=category,
        complete_by=complete_by,
        note=note,
        actor=actor,
        actor_role=role,
        data={
            "status": hazard.status,
            "deadline": hazard.deadline.isoformat() if hazard.deadline else None,
            "bulk": bulk,
        },
    )


@transaction.atomic
def summary_confirm(
    *,
    actor,
    hazard_id: int,
    category: str,
    complete_by: datetime.date | None = None,
    note: str = "",
) -> SummaryConfirmation:
    """State the summary category of one campaign hazard: the one the register gives, or another
    with a note. A hazard being resolved needs the date it will be resolved by. Confirming again
    adds a row; the latest counts."""
    note = (note or "").strip()
    if not Hazard.objects.visible_to(actor).filter(pk=hazard_id).exists():
        raise Hazard.DoesNotExist
    hazard = (
        Hazard.objects.select_for_update(of=("self",)).select_related("campaign").get(pk=hazard_id)
    )
    role = confirm_role(actor, hazard)
    if role is None:
        raise refuse(
            _("Only the responsible department (or the safety centre) confirms this hazard."),
            "not_allowed",
        )
    if hazard.campaign_id is None:
        raise refuse(_("The hazard was not found by a campaign."), "no_campaign")
    if hazard.status == Status.WITHDRAWN:
        raise refuse(_("A withdrawn report has no summary category."), "withdrawn")
    today = timezone.localdate()
    require_open_evaluation(hazard.campaign, today)
    return _confirm(
        actor=actor,
        role=role,
        hazard=hazard,
        category=category,
        complete_by=complete_by,
        note=note,
        today=today,
    )


@transaction.atomic
def summary_confirm_all(*, actor, campaign_id: int, department_id: int | None = None) -> dict:
    """Confirm as derived every hazard of the campaign the actor confirms (of one department,
    if given) that is not confirmed yet or whose register category changed since. A hazard
    being resolved whose deadline is missing or past is left for a date given one by one."""
    campaign = Campaign.objects.visible_to(actor).filter(pk=campaign_id).first()
    if campaign is None:
        raise Campaign.DoesNotExist
    today = timezone.localdate()
    require_open_evaluation(campaign, today)
    hazards = campaign_hazards(user=actor, campaign=campaign).filter(needs_confirmation_q())
    if department_id:
        hazards = hazards.filter(responsible_department_id=department_id)
    done = 0
    skipped: list[str] = []
    for hazard in hazards.select_for_update(of=("self",)).order_by("pk"):
        role = confirm_role(actor, hazard)
        if role is None:
            continue  # the leadership group reads the list but does not confirm
        derived = hazard.summary
        if derived == Summary.IN_PROGRESS and (hazard.deadline is None or hazard.deadline < today):
            skipped.append(hazard.code)
            continue
        _confirm(
            actor=actor,
            role=role,
            hazard=hazard,
            category=derived,
            complete_by=hazard.deadline if derived == Summary.IN_PROGRESS else None,
            note="",
            today=today,
            bulk=True,
        )
        done += 1
    return {"confirmed": done, "skipped": skipped}


def _archive_role(actor, campaign: Campaign) -> str:
    if not access.may_archive(scope_for(actor), campaign):
        raise PermissionDenied(_("Only the safety centre of the bureau archives its campaigns."))
    return Role.SAFETY_CENTRE


def archive_precheck(
    *, actor, campaign: Campaign, override_reason: str = "", today: datetime.date | None = None
) -> dict:
    """Refuse before a job is started: not the centre, a draft, archived already, or before the
    feedback deadline without a written reason for archiving early (``reason_required``).
    Returns the campaign's readiness (``selectors.archive_readiness``)."""
    _archive_role(actor, campaign)
    if campaign.status == CampaignStatus.DRAFT:
        raise refuse(_("A draft campaign cannot be archived."), "invalid")
    if CampaignArchive.objects.filter(campaign=campaign).exists():
        raise refuse(_("The campaign is archived already."), "already_archived")
    readiness = archive_readiness(campaign, today or timezone.localdate())
    if not readiness["deadline_passed"] and not (override_reason or "").strip():
        deadline = readiness["deadline"]
        raise refuse(
            {
                "override_reason": [
                    _(
                        "The departments' feedback is due on %(date)s: archiving before then "
                        "needs a written reason, which is kept with the archive."
                    )
                    % {"date": deadline.isoformat() if deadline else "—"}
                ]
            },
            Code.REASON_REQUIRED,
        )
    return readiness


@transaction.atomic
def campaign_archive(
    *, actor, campaign_id: int, progress=None, override_reason: str = ""
) -> CampaignArchive:
    """Freeze the campaign into its archive (one per campaign) and close it if still open.

    Before the feedback deadline it is refused unless ``override_reason`` says why; the reason
    and what was still incomplete are kept on the archive, its event row and the audit log."""
    progress = progress or (lambda *a, **k: None)
    if not Campaign.objects.visible_to(actor).filter(pk=campaign_id).exists():
        raise Campaign.DoesNotExist
    campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
    role = _archive_role(actor, campaign)
    override_reason = (override_reason or "").strip()
    readiness = archive_precheck(actor=actor, campaign=campaign, override_reason=override_reason)
    if readiness["deadline_passed"]:
        override_reason = ""  # nothing to override: the deadline has passed
    incomplete = {"items": readiness["items"]}
    now = timezone.now()
    snapshot = build_snapshot(actor=actor, campaign=campaign, progress=progress, when=now)
    closed = False
    if campaign.status == CampaignStatus.LAUNCHED:
        campaign_close(actor=actor, campaign_id=campaign.pk)
        closed = True
    raw = gzip.compress(json.dumps(snapshot, ensure_ascii=False).encode("utf-8"))
    # the final written summary is a document the bureau sends: its number is taken here, in
    # this transaction, so an archive that fails gives the number back
    number, _serial = document_number(campaign.bureau, now)
    archive = CampaignArchive(
        campaign=campaign,
        bureau_id=campaign.bureau_id,
        doc_number=number,
        size=len(raw),
        sha256=hashlib.sha256(raw).hexdigest(),
        totals=snapshot["totals"],
        archived_by=actor,
        archived_role=role,
        archived_at=now,
        override_reason=override_reason,
        incomplete=incomplete,
    )
    # the file goes to storage last, after every check that could still refuse
    archive.snapshot.save(f"campaign-{campaign.pk}.json.gz", ContentFile(raw), save=False)
    archive.save()
    EvaluationEvent.objects.create(
        campaign=campaign,
        action=EvaluationAction.ARCHIVE,
        actor=actor,
        actor_role=role,
        at=now,
        data={
            "totals": snapshot["totals"],
            "closed_campaign": closed,
            "sha256": archive.sha256,
            "override_reason": override_reason,
            "incomplete": incomplete,
        },
    )
    # the audit row last: it holds the audit log's append lock until the transaction ends
    audit_record(
        action=Action.CONFIG_CHANGED,
        actor=actor,
        target=campaign,
        data={
            "archive": {
                "archive_id": archive.pk,
                "override_reason": override_reason,
                "incomplete": incomplete,
            }
        },
    )
    return archive


@transaction.atomic
def summary_record(*, actor, archive: CampaignArchive, output_name: str) -> EvaluationEvent:
    """Record that the written summary was generated from ``archive`` (who, as what, when)."""
    role = access.summary_role(roles_on(actor, archive))
    if role is None:
        raise PermissionDenied(_("Only the safety centre and the leadership group read this."))
    return EvaluationEvent.objects.create(
        campaign_id=archive.campaign_id,
        action=EvaluationAction.SUMMARY,
        actor=actor,
        actor_role=role,
        data={"archive": archive.pk, "file": output_name},
    )


def archive_start(*, actor, campaign: Campaign, override_reason: str = ""):
    """Check as ``archive_precheck`` does, then start the archiving job (the page's and the
    API's): the campaign is frozen into its archive and closed if still open."""
    reason = (override_reason or "").strip()
    archive_precheck(actor=actor, campaign=campaign, override_reason=reason)
    return job_start(
        kind="evaluation.archive",
        title=_("Archive %(name)s") % {"name": campaign.name},
        user=actor,
        params={"campaign": campaign.pk, "override_reason": reason},
    )


def summary_start(*, actor, archive: CampaignArchive):
    """Start the job writing the final written summary (Word) from ``archive``, in the current
    language (the page's and the API's)."""
    return job_start(
        kind="evaluation.summary_docx",
        title=_("Written summary of %(name)s") % {"name": archive.campaign.name},
        user=actor,
        params={"archive": archive.pk, "language": get_language()},
    )


def summary_draft_start(*, actor, campaign: Campaign):
    """Check as ``summary_draft_check`` does, then start the job writing a draft of the written
    summary from the live data (the page's and the API's)."""
    summary_draft_check(actor=actor, campaign=campaign)
    return job_start(
        kind="evaluation.summary_docx",
        title=_("Written summary of %(name)s") % {"name": campaign.name} + _(" (draft)"),
        user=actor,
        params={"campaign": campaign.pk, "draft": True, "language": get_language()},
    )


def summary_draft_check(*, actor, campaign: Campaign) -> str:
    """Refuse a draft of the written summary unless ``actor`` reads the summary (the centre or
    the leadership group of the campaign's bureau) and the campaign is launched and not yet
    archived (then the final summary is the one to read). Returns the role it is made as."""
    role = access.summary_role(roles_on(actor, campaign))
    if role is None:
        raise PermissionDenied(_("Only the safety centre and the leadership group read this."))
    if campaign.status == CampaignStatus.DRAFT:
        raise refuse(_("A draft campaign has no written summary."), "invalid")
    if CampaignArchive.objects.filter(campaign=campaign).exists():
        raise refuse(
            _("The campaign is archived: its written summary is made from the archive."),
            "already_archived",
        )
    return role


@transaction.atomic
def summary_draft_record(*, actor, campaign: Campaign, output_name: str) -> EvaluationEvent:
    """Record that a draft of the written summary was made from the live data."""
    role = summary_draft_check(actor=actor, campaign=campaign)
    return EvaluationEvent.objects.create(
        campaign=campaign,
        action=EvaluationAction.SUMMARY,
        actor=actor,
        actor_role=role,
        data={"draft": True, "file": output_name},
    )
