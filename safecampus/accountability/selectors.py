"""Reads of accountability records and consultations for the pages, always through the user's
scope (``core.access``)."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from safecampus.campaigns.models import Campaign
from safecampus.core.access import VIEW, get_for
from safecampus.core.refusals import Code, refuse
from safecampus.hazards.models import Hazard
from safecampus.orgs.models import Department, School
from safecampus.weekly.models import ReportStatus, WeeklyReport

from .models import AccountabilityRecord, Consultation, ConsultationItem, ConsultationStatus
from .services import consultation_candidates_q


def record_list(*, user, kind="", status="", school=None, department=None) -> QuerySet:
    records = AccountabilityRecord.objects.visible_to(user).select_related("school", "department")
    if kind:
        records = records.filter(kind=kind)
    if status:
        records = records.filter(status=status)
    if school:
        records = records.filter(school=school)
    if department:
        records = records.filter(department=department)
    return records


def record_get(*, user, pk: int, action: str = VIEW) -> AccountabilityRecord:
    """A record for its page: 404 outside the scope, 403 when ``action`` is not allowed."""
    return get_for(
        user,
        AccountabilityRecord.objects.select_related(
            "school", "department", "opened_by", "weekly_report__department", "bureau"
        ),
        pk,
        action,
    )


# --- what a new record may name (the page's choices and the API's, the same) -------------------


def record_schools(*, user, bureau_ids) -> QuerySet[School]:
    """The schools a record may be opened against: of the bureaus ``bureau_ids``, in scope."""
    return School.objects.visible_to(user).filter(bureau_id__in=bureau_ids).order_by("name", "id")


def record_departments(*, user, bureau_ids) -> QuerySet[Department]:
    return (
        Department.objects.visible_to(user)
        .filter(bureau_id__in=bureau_ids)
        .order_by("sort_order", "id")
    )


def record_weekly_reports(*, user, bureau_ids) -> QuerySet[WeeklyReport]:
    """The late weekly reports a record may be opened on."""
    return (
        WeeklyReport.objects.visible_to(user)
        .filter(bureau_id__in=bureau_ids, status=ReportStatus.SUBMITTED, late=True)
        .select_related("department")
        .order_by("-week_start", "department__sort_order")
    )


def hazards_by_code(*, user, bureau_ids, codes) -> list[Hazard]:
    """The hazards of ``bureau_ids`` with these codes, in the order given, each once; refused
    (``invalid``, under ``hazard_codes``) when a code names no hazard the user sees there."""
    codes = [c for c in codes if c]
    if not codes:
        return []
    found = {
        h.code: h
        for h in Hazard.objects.visible_to(user).filter(bureau_id__in=bureau_ids, code__in=codes)
    }
    if unknown := [c for c in codes if c not in found]:
        raise refuse(
            {
                "hazard_codes": _("No such hazard in your bureau: %(codes)s")
                % {"codes": "、".join(unknown)}
            },
            Code.INVALID,
        )
    return list(dict.fromkeys(found[c] for c in codes))


def record_hazards(*, user, record: AccountabilityRecord) -> QuerySet[Hazard]:
    """The record's hazards the user may see."""
    return (
        Hazard.objects.visible_to(user)
        .filter(pk__in=record.hazards.values("pk"))
        .select_related("school")
        .order_by("code")
    )


def consultation_list(*, user, status: str = "") -> QuerySet[Consultation]:
    """Consultations in scope, each with the number of its hazards the user may see."""
    consultations = (
        Consultation.objects.visible_to(user)
        .select_related("campaign")
        .annotate(
            n_items=Count("items", filter=Q(items__hazard__in=Hazard.objects.visible_to(user)))
        )
        .order_by("-held_on", "-id")
    )
    if status:
        consultations = consultations.filter(status=status)
    return consultations


def consultation_candidates(*, user, bureau_ids) -> QuerySet[Hazard]:
    """Hazards of the user's bureaus to discuss, not already on a planned consultation."""
    planned = ConsultationItem.objects.filter(
        consultation__status=ConsultationStatus.PLANNED
    ).values("hazard_id")
    return (
        Hazard.objects.visible_to(user)
        .filter(consultation_candidates_q(), bureau_id__in=bureau_ids)
        .exclude(pk__in=planned)
        .select_related("school", "responsible_department")
        .order_by("code", "id")
    )


def consultation_campaigns(*, user, bureau_ids) -> QuerySet[Campaign]:
    """The campaigns a new consultation may belong to."""
    return (
        Campaign.objects.visible_to(user).filter(bureau_id__in=bureau_ids).order_by("-year", "-id")
    )


def consultation_hazards(*, user, bureau_ids) -> QuerySet[Hazard]:
    """The hazards a new consultation may name through the API: any the user sees in
    ``bureau_ids``; whether each is a candidate is ``services.consultation_create``'s to say."""
    return Hazard.objects.visible_to(user).filter(bureau_id__in=bureau_ids)


def consultation_get(*, user, pk: int, action: str = VIEW) -> Consultation:
    return get_for(
        user,
        Consultation.objects.select_related("campaign", "created_by", "decided_by"),
        pk,
        action,
    )


def consultation_items(*, user, consultation: Consultation) -> list[ConsultationItem]:
    """The items on hazards the user may see (a department reads only its own)."""
    return list(
        consultation.items.filter(hazard__in=Hazard.objects.visible_to(user)).select_related(
            "hazard__school", "hazard__responsible_department", "department"
        )
    )


def consultation_departments(*, user, consultation: Consultation) -> list[Department]:
    """The departments a decision may name: the consultation's bureau's, in the user's scope."""
    return list(Department.objects.visible_to(user).filter(bureau_id=consultation.bureau_id))
