"""Every read of the form and on-site inspection pages, built on ``visible_to`` / ``get_for``:
views call these and make no ORM calls of their own."""

from __future__ import annotations

from django.db.models import Prefetch, Q
from django.http import Http404
from django.utils import timezone

from safecampus.core.access import VIEW, get_for, scope_for
from safecampus.orgs.models import Department, School

from . import access
from .models import FormAnswer, FormEvidence, FormReview, InspectionForm, SiteInspection


def campaign_for(user, pk, action: str = VIEW):
    """A campaign the form pages hang on (404 outside the user's scope)."""
    from safecampus.campaigns.selectors import campaign_for

    return campaign_for(user, pk, action)


def campaign_to_run(user, pk):
    from safecampus.campaigns.selectors import campaign_to_run

    return campaign_to_run(user, pk)


# --- lists --------------------------------------------------------------------------------------


def campaign_forms(user, campaign):
    """The forms of ``campaign`` that ``user`` sees."""
    return InspectionForm.objects.visible_to(user).filter(campaign=campaign)


def own_forms(user, limit: int = 50) -> list[InspectionForm]:
    """The forms of the user's own schools, newest campaign first."""
    q = access.own_forms_q(scope_for(user))
    if q is None:
        return []
    return list(
        InspectionForm.objects.filter(q)
        .visible_to(user)
        .select_related("campaign", "school")
        .order_by("-campaign__year", "-campaign_id")[:limit]
    )


def awaiting_review_q(user) -> Q:
    from .services import awaiting_review_q

    return awaiting_review_q(user)


def form_list(
    user, campaign, *, status="", stage="", late=False, awaiting=False, q="", school=None
):
    """The campaign's forms ``user`` sees, filtered as the list page asks (``campaign`` None:
    the forms of every campaign, newest campaign first; ``school``: one school's, for the API)."""
    if campaign is None:
        forms = InspectionForm.objects.visible_to(user).order_by(
            "-campaign_id", "school__name", "id"
        )
    else:
        forms = campaign_forms(user, campaign).order_by("school__name", "id")
    # the status badge reads the forms deadline
    forms = forms.select_related("school", "campaign")
    if school is not None:
        forms = forms.filter(school_id=school)
    if status:
        forms = forms.filter(status=status)
    if stage:
        forms = forms.filter(school__stage=stage)
    if late:
        forms = forms.late(timezone.localdate())
    if awaiting:
        forms = forms.filter(awaiting_review_q(user))
    if q:
        forms = forms.filter(Q(school__name__icontains=q) | Q(school__code=q))
    return forms


def review_queue(user):
    """Submitted forms awaiting the user's department's review, across campaigns."""
    return (
        InspectionForm.objects.visible_to(user)
        .filter(awaiting_review_q(user))
        .select_related("school", "campaign")
        .order_by("submitted_at", "id")
    )


def campaign_site_inspections(user, campaign):
    return (
        SiteInspection.objects.visible_to(user)
        .filter(campaign=campaign)
        .select_related("school", "department")
    )


# --- one form -----------------------------------------------------------------------------------


def form_for(user, pk) -> InspectionForm:
    return get_for(
        user,
        InspectionForm.objects.select_related("campaign", "school", "campaign__catalog_version"),
        pk,
    )


def may_fill(user, form: InspectionForm) -> bool:
    return InspectionForm.objects.editable_by(user).filter(pk=form.pk).exists()


def answer_ids(form: InspectionForm) -> list[int]:
    return list(form.answers.values_list("pk", flat=True))


def answers(form: InspectionForm, **filters) -> list[FormAnswer]:
    return list(
        form.answers.filter(**filters)
        .select_related("item", "item__area", "department", "hazard")
        .prefetch_related(Prefetch("evidence", queryset=FormEvidence.objects.order_by("id")))
        .order_by("sort_order", "id")
    )


def reviews(form: InspectionForm) -> list[FormReview]:
    return list(
        FormReview.objects.filter(form=form)
        .select_related("department", "by")
        .order_by("round", "at")
    )


def events(form: InspectionForm):
    return form.events.select_related("actor").order_by("at", "id")


def departments(pks):
    return Department.objects.filter(pk__in=pks)


def answer_for(user, pk) -> FormAnswer:
    return get_for(user, FormAnswer, pk)


def evidence_for(user, pk) -> FormEvidence:
    """A photo or document of an answer the user sees (404 otherwise)."""
    ev = FormEvidence.objects.filter(
        answer__in=FormAnswer.objects.visible_to(user).values("pk"), pk=pk
    ).first()
    if ev is None:
        raise Http404
    return ev


# --- on-site inspections ------------------------------------------------------------------------


def inspectable_schools(user, campaign):
    """The schools of ``campaign`` (those with a form) that ``user`` sees."""
    return School.objects.visible_to(user).filter(
        pk__in=InspectionForm.objects.filter(campaign=campaign).values("school_id")
    )


def inspectable_school(schools, pk) -> School:
    school = schools.filter(pk=pk).first()
    if school is None:
        raise Http404
    return school


def school_choices(schools, limit: int = 500) -> list[School]:
    return list(schools.order_by("name")[:limit])


def inspecting_departments(user, campaign):
    """The departments ``user`` records an inspection for in ``campaign``'s bureau."""
    return Department.objects.filter(
        access.inspecting_departments_q(scope_for(user), campaign.bureau_id)
    )


def inspection_items(campaign, school) -> list:
    """The campaign's school-facing check items that apply to ``school``, each with
    ``department_at_school``: the department that takes it there (as on the school's form)."""
    items = (
        campaign.catalog_version.items.filter(school_facing=True)
        .select_related("area")
        .prefetch_related("responsible_departments", "routes__department")
        .order_by("area__sort_order", "sort_order", "code")
    )
    chosen = [i for i in items if i.applies_to(school)]
    for item in chosen:
        item.department_at_school = item.department_for(school)
    return chosen


def site_inspection_for(user, pk) -> SiteInspection:
    return get_for(
        user,
        SiteInspection.objects.select_related("school", "campaign", "department", "created_by"),
        pk,
    )


def findings(inspection: SiteInspection):
    return inspection.findings.select_related("item", "item__area", "hazard")


def refresh(form: InspectionForm) -> InspectionForm:
    """``form`` as it now stands (after a service changed or refused to change it)."""
    form.refresh_from_db()
    return form
