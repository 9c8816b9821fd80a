"""Every read of the campaign pages, built on ``visible_to`` / ``get_for``: views call these and
make no ORM calls of their own."""

from __future__ import annotations

from django.db.models import Count, Q

from safecampus.catalog.choices import VersionStatus
from safecampus.catalog.models import CatalogVersion
from safecampus.core.access import EDIT, VIEW, get_for, scope_for
from safecampus.inspections import selectors as form_selectors
from safecampus.inspections.choices import FormStatus
from safecampus.inspections.models import InspectionForm
from safecampus.orgs.models import School

from . import access
from .choices import SchoolSelection
from .models import Campaign


def campaign_list(user):
    """The campaigns ``user`` sees, newest first, each with the number of its forms the user
    may see (``form_total``) and how many of those are submitted or accepted (``form_done``)."""
    done = [FormStatus.SUBMITTED, FormStatus.ACCEPTED]
    mine = Q(forms__in=InspectionForm.objects.visible_to(user).values("pk"))
    return (
        Campaign.objects.visible_to(user)
        .annotate(
            form_total=Count("forms", filter=mine),
            form_done=Count("forms", filter=mine & Q(forms__status__in=done)),
        )
        .order_by("-year", "-id")
    )


def campaign_for(user, pk, action: str = VIEW, *, related=()) -> Campaign:
    """One campaign for a page (404 outside the user's scope, 403 when the action is not
    allowed on it)."""
    return get_for(user, Campaign.objects.select_related(*related), pk, action)


def campaign_to_run(user, pk) -> Campaign:
    """A campaign ``user`` plans, launches or closes: 404 for anyone else, who must not learn
    that a draft exists."""
    return get_for(user, Campaign.objects.editable_by(user), pk, EDIT)


def manage_bureau_ids(user) -> frozenset[int]:
    return access.manage_bureau_ids(scope_for(user))


def school_only(user) -> bool:
    return access.school_only(scope_for(user))


def published_versions(bureau_ids):
    """The catalog versions a campaign of these bureaus may freeze: the published ones, newest
    first."""
    return CatalogVersion.objects.filter(
        bureau_id__in=bureau_ids, status=VersionStatus.PUBLISHED
    ).order_by("-number")


def version_to_run(user, pk) -> CatalogVersion | None:
    """A published catalog version of a bureau whose campaigns ``user`` runs, or None."""
    return (
        published_versions(manage_bureau_ids(user)).select_related("bureau").filter(pk=pk).first()
    )


def campaign_plan(campaign: Campaign) -> dict:
    """The campaign's plan as the edit page starts from it: its fields, its phases and its key
    deadlines (what a change that names only some of them keeps)."""
    return {
        "data": {
            "name": campaign.name,
            "doc_number": campaign.doc_number,
            "description": campaign.description,
            "forms_due": campaign.forms_due,
            "report_week_start": campaign.report_week_start,
            "report_due_weekday": campaign.report_due_weekday,
            "catalog_version": campaign.catalog_version_id,
            "school_selection": campaign.school_selection,
            "stages": campaign.stages,
        },
        "school_codes": school_codes(campaign),
        "phases": [
            {
                "name": p.name,
                "kind": p.kind,
                "starts_on": p.starts_on,
                "ends_on": p.ends_on,
                "weekly_reports": p.weekly_reports,
            }
            for p in phases(campaign)
        ],
        "milestones": [{"name": m.name, "due_on": m.due_on} for m in milestones(campaign)],
    }


def school_codes(campaign: Campaign) -> list[str]:
    return list(campaign.schools.values_list("code", flat=True))


def phases(campaign: Campaign) -> list:
    return list(campaign.phases.all())


def milestones(campaign: Campaign) -> list:
    return list(campaign.milestones.all())


def schools_in_scope(campaign: Campaign):
    """The active schools a campaign's launch gives a form (the bureau's, of the chosen types, or
    the listed ones), by name."""
    qs = School.objects.filter(bureau_id=campaign.bureau_id, is_active=True)
    if campaign.school_selection == SchoolSelection.STAGES:
        qs = qs.filter(stage__in=campaign.stages)
    elif campaign.school_selection == SchoolSelection.LIST:
        qs = qs.filter(pk__in=campaign.schools.values("pk"))
    return qs.order_by("name", "pk")


def schools_in_scope_count(campaign: Campaign) -> int:
    return schools_in_scope(campaign).count()


def first_form(forms):
    return forms.first()


def campaign_forms(user, campaign: Campaign):
    """The campaign's forms ``user`` sees (the basis of its progress)."""
    return form_selectors.campaign_forms(user, campaign)
