"""Test helpers for campaigns: a launched campaign, answering a form completely."""

from __future__ import annotations

import datetime

from safecampus.inspections.choices import Answer
from safecampus.inspections.models import FormAnswer, InspectionForm

from .services import campaign_launch, campaign_save


def launched_campaign(bureau, catalog, centre, *, forms_due=None, **data):
    """A campaign over every school of ``bureau`` on ``catalog``, launched by ``centre``."""
    forms_due = forms_due or datetime.date(2026, 3, 20)
    campaign = campaign_save(
        actor=centre,
        bureau=bureau,
        data={
            "name": data.pop("name", "2026年校园安全专项整治"),
            "forms_due": forms_due,
            "catalog_version": catalog,
            **data,
        },
        phases=[
            {
                "name": "集中排查",
                "kind": "inspection",
                "starts_on": forms_due.replace(day=1),
                "ends_on": forms_due.replace(day=28),
            }
        ],
    )
    # the default deadline is long past on the tests' clock: launched knowingly
    campaign_launch(actor=centre, campaign_id=campaign.pk, confirm_past_deadline=True)
    campaign.refresh_from_db()
    return campaign


def complete_rows(form: InspectionForm, *, non_compliant: set[str] = frozenset()) -> dict:
    """Answers for every item: compliant, except the item codes given, filled in completely."""
    rows = {}
    for answer in FormAnswer.objects.filter(form=form).select_related("item"):
        if answer.item.code in non_compliant:
            rows[answer.pk] = {
                "answer": Answer.NON_COMPLIANT,
                "description": f"{answer.item.code} 不符合要求",
                "plan": "限期整改",
                "deadline": datetime.date(2030, 5, 31),
                "responsible_person": "王老师",
                "interim_measures": "设置警戒线，专人看守",
            }
        else:
            rows[answer.pk] = {"answer": Answer.COMPLIANT}
    return rows


#: the pages that stay in ``campaigns``; every other page of ``/campaigns/`` is ``inspections``'
CAMPAIGN_PAGES = {
    "campaign_list",
    "campaign_create",
    "campaign_detail",
    "campaign_edit",
    "campaign_launch",
    "campaign_close",
}


def url_name(name: str) -> str:
    """The namespaced url name of a page under ``/campaigns/``."""
    return f"{'campaigns' if name in CAMPAIGN_PAGES else 'inspections'}:{name}"
