"""The rules of campaigns: the plan, its launch and close, and its progress. Views, the API and
the jobs change campaigns through these functions only; the forms a launch makes are written by
``safecampus.inspections.services``.

Refusals are ``ValidationError``s made by ``core.refusals.refuse``. Every change of a campaign
leaves an audit row (the last write of its transaction).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from safecampus.audit.models import Action
from safecampus.audit.services import audit_record, config_change_record, model_snapshot
from safecampus.catalog.choices import VersionStatus
from safecampus.catalog.models import CatalogVersion
from safecampus.core.access import scope_for
from safecampus.core.jobs import job_start
from safecampus.core.models import Job
from safecampus.core.refusals import Code, refuse
from safecampus.inspections import services as form_services
from safecampus.inspections.choices import FormStatus, ReviewDecision
from safecampus.inspections.models import FormAnswer, FormReview
from safecampus.orgs.choices import SchoolStage
from safecampus.orgs.models import Department, School

from . import access
from .blueprints import BLUEPRINTS, on
from .choices import CampaignStatus, SchoolSelection
from .models import Campaign, CampaignMilestone, CampaignPhase
from .selectors import schools_in_scope

# --- campaigns ----------------------------------------------------------------------------------


def _published_version(bureau_id: int, version) -> CatalogVersion:
    version_id = version.pk if isinstance(version, CatalogVersion) else version
    found = CatalogVersion.objects.filter(
        pk=version_id, bureau_id=bureau_id, status=VersionStatus.PUBLISHED
    ).first()
    if found is None:
        raise refuse(
            {"catalog_version": _("Choose a published catalog version of this bureau.")},
            Code.INVALID,
        )
    return found


def _check_dates(forms_due, phases: list[dict]) -> None:
    errors = {}
    if not forms_due:
        errors["forms_due"] = _("Set the date forms are due.")
    for n, phase in enumerate(phases, start=1):
        if not phase.get("name") or not phase.get("starts_on") or not phase.get("ends_on"):
            errors[f"phase_{n}"] = _("Phase %(n)s needs a name, a start and an end.") % {"n": n}
        elif phase["ends_on"] < phase["starts_on"]:
            errors[f"phase_{n}"] = _("Phase %(n)s ends before it starts.") % {"n": n}
    if errors:
        raise refuse(errors, Code.INVALID)


def _school_list(bureau_id: int, codes: Iterable[str]) -> list[School]:
    codes = [c.strip() for c in codes if c and c.strip()]
    schools = {s.code: s for s in School.objects.filter(bureau_id=bureau_id, code__in=codes)}
    unknown = [c for c in codes if c not in schools]
    if unknown:
        raise refuse(
            {
                "school_codes": _("These codes are not schools of this bureau: %(codes)s")
                % {"codes": "、".join(unknown[:20])}
            },
            Code.INVALID,
        )
    if not schools:
        raise refuse({"school_codes": _("List at least one school.")}, Code.INVALID)
    return list(schools.values())


def _require_manage(actor, bureau_id: int) -> None:
    if not access.may_manage(scope_for(actor), bureau_id):
        raise PermissionDenied(_("Only the safety centre of the bureau runs its campaigns."))


def _write_plan(campaign: Campaign, phases: list[dict], milestones: list[dict]) -> None:
    campaign.phases.all().delete()
    campaign.milestones.all().delete()
    CampaignPhase.objects.bulk_create(
        [
            CampaignPhase(
                campaign=campaign,
                name=p["name"],
                kind=p.get("kind") or "other",
                starts_on=p["starts_on"],
                ends_on=p["ends_on"],
                weekly_reports=bool(p.get("weekly_reports")),
                sort_order=n,
            )
            for n, p in enumerate(phases)
        ]
    )
    CampaignMilestone.objects.bulk_create(
        [
            CampaignMilestone(campaign=campaign, name=m["name"], due_on=m["due_on"])
            for m in milestones
            if m.get("name") and m.get("due_on")
        ]
    )


@transaction.atomic
def campaign_save(
    *,
    actor,
    bureau,
    data: dict,
    phases: list[dict],
    milestones: list[dict] = (),
    school_codes: Iterable[str] = (),
    campaign: Campaign | None = None,
) -> Campaign:
    """Create a draft campaign, or change one. After launch the schools and the catalog version
    are fixed (the forms are made from them); names, dates and phases may still change."""
    _require_manage(actor, bureau.pk)
    if campaign is not None and campaign.status == CampaignStatus.CLOSED:
        raise refuse(_("The campaign is closed; it no longer changes."), Code.LOCKED)
    if not (data.get("name") or "").strip():
        raise refuse({"name": _("This field is required.")}, Code.INVALID)
    _check_dates(data.get("forms_due"), phases)
    launched = campaign is not None and not campaign.is_draft
    before = plan_before = schools_before = None
    if campaign is None:
        campaign = Campaign(bureau=bureau, created_by=actor, status=CampaignStatus.DRAFT)
    else:
        before = model_snapshot(campaign)
        plan_before = _plan_snapshot(campaign)
        schools_before = _school_codes(campaign)
    fields = ("name", "doc_number", "description", "forms_due", "year", "blueprint")
    for field in (*fields, "report_week_start", "report_due_weekday"):
        if field in data and data[field] is not None:
            setattr(
                campaign,
                field,
                data[field].strip() if isinstance(data[field], str) else data[field],
            )
    if not campaign.year:
        campaign.year = data["forms_due"].year
    schools = None
    if not launched:
        campaign.catalog_version = _published_version(bureau.pk, data.get("catalog_version"))
        campaign.school_selection = data.get("school_selection") or SchoolSelection.ALL
        campaign.stages = list(data.get("stages") or [])
        if campaign.school_selection == SchoolSelection.STAGES and not campaign.stages:
            raise refuse({"stages": _("Choose at least one school type.")}, Code.INVALID)
        if campaign.school_selection == SchoolSelection.LIST:
            schools = _school_list(bureau.pk, school_codes)
    campaign.save()
    if schools is not None:
        campaign.schools.set(schools)
    elif not launched:
        campaign.schools.clear()
    _write_plan(campaign, phases, list(milestones))
    plan_after = _plan_snapshot(campaign)
    schools_after = _school_codes(campaign)
    extra = {}
    if before is None:
        extra = {"plan": plan_after, "schools": schools_after}
    else:
        if plan_after != plan_before:
            extra["plan"] = [plan_before, plan_after]
        if schools_after != schools_before:
            extra["schools"] = [schools_before, schools_after]
    # the audit row last: it holds the audit log's append lock until the transaction ends
    config_change_record(actor=actor, obj=campaign, before=before, data_extra=extra or None)
    return campaign


def _plan_snapshot(campaign: Campaign) -> dict:
    """The phases and key deadlines of ``campaign`` as the audit log keeps them."""
    return {
        "phases": [
            [p.name, p.kind, p.starts_on.isoformat(), p.ends_on.isoformat(), p.weekly_reports]
            for p in campaign.phases.order_by("sort_order", "pk")
        ],
        "milestones": [
            [m.name, m.due_on.isoformat()] for m in campaign.milestones.order_by("due_on", "pk")
        ],
    }


def _school_codes(campaign: Campaign) -> list[str]:
    return sorted(campaign.schools.values_list("code", flat=True))


def campaign_from_blueprint(
    *, actor, bureau, key: str, year: int, catalog_version, name: str = "", doc_number: str = ""
) -> Campaign:
    """A draft campaign from a shipped template, its dates shifted to ``year``."""
    if key not in BLUEPRINTS:
        raise refuse({"blueprint": _("Choose one of the templates.")}, Code.INVALID)
    bp = BLUEPRINTS[key]
    phases = [
        {
            "name": p.name,
            "kind": p.kind,
            "starts_on": on(year, p.starts),
            "ends_on": on(year, p.ends),
            "weekly_reports": p.weekly_reports,
        }
        for p in bp.phases
    ]
    milestones = [{"name": n, "due_on": on(year, md)} for n, md in bp.milestones]
    return campaign_save(
        actor=actor,
        bureau=bureau,
        data={
            "name": name or f"{year}年{bp.name}",
            "doc_number": doc_number,
            "description": bp.description,
            "blueprint": bp.key,
            "year": year,
            "forms_due": on(year, bp.forms_due),
            "catalog_version": catalog_version,
            "school_selection": SchoolSelection.ALL,
        },
        phases=phases,
        milestones=milestones,
    )


def campaign_create(
    *,
    actor,
    catalog_version: CatalogVersion,
    year: int,
    blueprint: str = "",
    name: str = "",
    doc_number: str = "",
    forms_due: datetime.date | None = None,
) -> Campaign:
    """A draft campaign as the "new" page makes it: from a shipped template (``blueprint``, its
    dates shifted to ``year``) or blank (then ``name`` and ``forms_due`` are needed), in the
    bureau of ``catalog_version``."""
    if not blueprint:
        errors = {}
        if not forms_due:
            errors["forms_due"] = _("A blank campaign needs the date forms are due.")
        if not (name or "").strip():
            errors["name"] = _("Name the campaign.")
        if errors:
            raise refuse(errors, Code.INVALID)
    bureau = catalog_version.bureau
    if blueprint:
        return campaign_from_blueprint(
            actor=actor,
            bureau=bureau,
            key=blueprint,
            year=year,
            catalog_version=catalog_version,
            name=name,
            doc_number=doc_number,
        )
    return campaign_save(
        actor=actor,
        bureau=bureau,
        data={
            "name": name,
            "doc_number": doc_number,
            "year": year,
            "forms_due": forms_due,
            "catalog_version": catalog_version,
        },
        phases=[],
    )


def launch_deadline_passed(campaign: Campaign, today: datetime.date | None = None) -> bool:
    """Whether the forms deadline is already behind ``today`` (Asia/Shanghai): launching now
    would make every school late at once."""
    return (today or timezone.localdate()) > campaign.forms_due


def past_deadline_warning(campaign: Campaign) -> str:
    return _(
        "The forms deadline (%(due)s) has already passed: if the campaign is launched now, every "
        "school will be late at once. Move the deadline, or confirm that you launch it anyway."
    ) % {"due": date_format(campaign.forms_due, "DATE_FORMAT")}


@transaction.atomic
def campaign_launch(
    *,
    actor,
    campaign_id: int,
    progress: Callable | None = None,
    confirm_past_deadline: bool = False,
) -> int:
    """Launch a campaign: one form per school in scope that has none yet. Running it again
    (after schools were added to the bureau) makes only the missing forms. Returns how many
    forms were made.

    Launching a draft whose forms deadline has already passed makes every school late at once:
    it is refused (``confirm_required``) unless ``confirm_past_deadline`` says the manager has
    been told so and confirmed."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
    _require_manage(actor, campaign.bureau_id)
    if campaign.status == CampaignStatus.CLOSED:
        raise refuse(_("The campaign is closed."), Code.LOCKED)
    if campaign.is_draft and launch_deadline_passed(campaign) and not confirm_past_deadline:
        raise refuse(
            {"confirm_past_deadline": [past_deadline_warning(campaign)]}, Code.CONFIRM_REQUIRED
        )
    have = form_services.school_ids_with_forms(campaign)
    schools = [s for s in schools_in_scope(campaign) if s.pk not in have]
    if not schools and campaign.is_draft and not have:
        raise refuse(_("No school is in the campaign's scope."), Code.INVALID)
    now = timezone.now()
    made = form_services.forms_generate(
        actor=actor, campaign=campaign, schools=schools, now=now, progress=progress
    )
    from_status = campaign.status
    past_deadline = campaign.is_draft and launch_deadline_passed(campaign)
    if campaign.is_draft:
        campaign.status = CampaignStatus.LAUNCHED
        campaign.launched_at = now
        campaign.launched_by = actor
        campaign.save(update_fields=["status", "launched_at", "launched_by"])
    if made or from_status != campaign.status:
        # the audit row last: it holds the audit log's append lock until the transaction ends
        audit_record(
            action=Action.CONFIG_CHANGED,
            actor=actor,
            target=campaign,
            data={
                "launch": {"forms_made": made}
                | ({"past_deadline_confirmed": True} if past_deadline else {}),
                "changes": {"status": [from_status, campaign.status]}
                if from_status != campaign.status
                else {},
            },
        )
    return made


#: above this many schools, launching runs as a background job with a progress bar
LAUNCH_INLINE_LIMIT = 500


def campaign_launch_request(
    *, actor, campaign: Campaign, confirm_past_deadline: bool = False
) -> tuple[int | None, Job | None]:
    """Launch ``campaign`` as the page asks for it: ``(forms made, None)`` when done at once, or
    ``(None, job)`` when its schools are too many and a background job launches it. A draft
    whose forms deadline has passed is refused (``confirm_required``) before any job starts,
    unless ``confirm_past_deadline``."""
    _require_manage(actor, campaign.bureau_id)
    if campaign.status == CampaignStatus.CLOSED:
        # refused here as well as in ``campaign_launch``: a job started for a closed campaign
        # would only fail later
        raise refuse(_("The campaign is closed."), Code.LOCKED)
    if campaign.is_draft and launch_deadline_passed(campaign) and not confirm_past_deadline:
        raise refuse(
            {"confirm_past_deadline": [past_deadline_warning(campaign)]}, Code.CONFIRM_REQUIRED
        )
    if schools_in_scope(campaign).count() > LAUNCH_INLINE_LIMIT:
        job = job_start(
            kind="campaigns.launch",
            title=_("Launch %(name)s") % {"name": campaign.name},
            user=actor,
            params={"campaign": campaign.pk, "confirm_past_deadline": confirm_past_deadline},
        )
        return None, job
    made = campaign_launch(
        actor=actor, campaign_id=campaign.pk, confirm_past_deadline=confirm_past_deadline
    )
    return made, None


@transaction.atomic
def campaign_close(*, actor, campaign_id: int) -> Campaign:
    campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
    _require_manage(actor, campaign.bureau_id)
    if campaign.status != CampaignStatus.LAUNCHED:
        raise refuse(_("Only a launched campaign can be closed."), Code.INVALID_TRANSITION)
    campaign.status = CampaignStatus.CLOSED
    campaign.save(update_fields=["status"])
    # the audit row last: it holds the audit log's append lock until the transaction ends
    audit_record(
        action=Action.CONFIG_CHANGED,
        actor=actor,
        target=campaign,
        data={"changes": {"status": [CampaignStatus.LAUNCHED.value, CampaignStatus.CLOSED.value]}},
    )
    return campaign


# --- progress -----------------------------------------------------------------------------------


def campaign_progress(campaign: Campaign, forms) -> dict:
    """Form counts by status, overall, by school type and by department, from ``forms`` (the
    campaign's forms the viewer may see). A handful of grouped queries, none per school."""
    statuses = [s for s, _label in FormStatus.choices]
    overall = dict.fromkeys(statuses, 0)
    for status, n in forms.values_list("status").annotate(n=Count("pk")).order_by():
        overall[status] = n
    by_stage: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(statuses, 0))
    for stage, status, n in (
        forms.values_list("school__stage", "status").annotate(n=Count("pk")).order_by()
    ):
        by_stage[stage][status] = n
    # a department's view: forms holding items it reviews, by the form's status, and how many of
    # the submitted ones it has already accepted in their current round
    by_dept: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(statuses, 0))
    dept_forms = (
        FormAnswer.objects.filter(form__in=forms.values("pk"), department__isnull=False)
        .values_list("department_id", "form__status")
        .annotate(n=Count("form_id", distinct=True))
        .order_by()
    )
    for dept_id, status, n in dept_forms:
        by_dept[dept_id][status] = n
    reviewed = dict(
        FormReview.objects.filter(
            form__in=forms.filter(status=FormStatus.SUBMITTED).values("pk"),
            decision=ReviewDecision.ACCEPT,
        )
        .filter(round=F("form__round"))
        .values_list("department_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    names = dict(Department.objects.filter(pk__in=by_dept).values_list("pk", "name"))
    departments = [
        {
            "id": d,
            "name": names.get(d, ""),
            "counts": by_dept[d],
            "total": sum(by_dept[d].values()),
            "awaiting": by_dept[d][FormStatus.SUBMITTED] - reviewed.get(d, 0),
        }
        for d in sorted(by_dept, key=lambda d: names.get(d, ""))
    ]
    return {
        "overall": overall,
        "total": sum(overall.values()),
        "by_stage": dict(by_stage),
        "departments": departments,
        "late": forms.late().count(),
    }


def progress_by_stage(progress: dict) -> list[dict]:
    """A progress's forms by school type as the detail page shows them: ``stage``, its
    ``label``, the ``counts`` by status and their ``total``, by stage."""
    labels = dict(SchoolStage.choices)
    return [
        {
            "stage": stage,
            "label": str(labels.get(stage, stage)),
            "counts": counts,
            "total": sum(counts.values()),
        }
        for stage, counts in sorted(progress["by_stage"].items())
    ]
