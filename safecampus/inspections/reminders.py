"""Self-inspection forms due, for the daily digest (registered in ``InspectionsConfig.ready``).

A form of a launched campaign that is not submitted yet reminds its school's staff (the safety
officer and the principal) three days before the forms deadline and the day before, and is
heard of by the school's group. Two queries, however many forms."""

from __future__ import annotations

import datetime

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from safecampus.campaigns.choices import CampaignStatus
from safecampus.core.capabilities import FORM_SCHOOL_ACTORS
from safecampus.notifications.models import NoticeKind
from safecampus.notifications.registry import Reminder

from .choices import EDITABLE_FORM_STATUSES
from .models import InspectionForm

#: reminders this many days before the forms deadline
DAYS_BEFORE = (3, 1)


def _url(pk: int) -> str:
    try:
        return reverse("inspections:form_detail", args=[pk])
    except NoReverseMatch:
        return "/inspections/"


def _school_staff(school_ids) -> dict[int, list[int]]:
    from safecampus.accounts.models import RoleAssignment

    out: dict[int, list[int]] = {}
    rows = (
        RoleAssignment.objects.active()
        .filter(user__is_active=True, role__in=FORM_SCHOOL_ACTORS, school_id__in=list(school_ids))
        .order_by("school_id", "user_id")
        .values_list("school_id", "user_id")
        .distinct()
    )
    for school_id, user_id in rows:
        out.setdefault(school_id, []).append(user_id)
    return out


def form_due_reminders(*, today: datetime.date) -> list[Reminder]:
    due = {today + datetime.timedelta(days=d): d for d in DAYS_BEFORE}
    forms = list(
        InspectionForm.objects.filter(
            campaign__status=CampaignStatus.LAUNCHED,
            campaign__forms_due__in=list(due),
            status__in=EDITABLE_FORM_STATUSES,
        )
        .order_by("campaign__forms_due", "campaign_id", "school_id")
        .values_list(
            "pk",
            "campaign_id",
            "campaign__name",
            "campaign__bureau_id",
            "campaign__forms_due",
            "school_id",
            "school__name",
        )
    )
    if not forms:
        return []
    staff = _school_staff({f[5] for f in forms})
    out = []
    for pk, _campaign_id, campaign, bureau_id, forms_due, school_id, school in forms:
        days = due[forms_due]
        if days == 1:
            text = _(
                "%(school)s: the self-inspection form of “%(campaign)s” is due tomorrow "
                "(%(due)s) and not submitted yet."
            )
        else:
            text = _(
                "%(school)s: the self-inspection form of “%(campaign)s” is due in %(days)s days "
                "(%(due)s) and not submitted yet."
            )
        out.append(
            Reminder(
                kind=NoticeKind.FORM_DUE,
                key=f"{NoticeKind.FORM_DUE}:{pk}:{forms_due.isoformat()}:{days}",
                url=_url(pk),
                text=text
                % {
                    "school": school,
                    "campaign": campaign,
                    "due": forms_due.isoformat(),
                    "days": days,
                },
                recipient_ids=tuple(staff.get(school_id, ())),
                school_id=school_id,
                bureau_id=bureau_id,
            )
        )
    return out
