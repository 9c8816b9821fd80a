"""Issue 15, wording: labels that say what they count, people by name, citations by title."""

import pathlib
import re

import pytest
from django.urls import reverse
from django.utils import translation

from safecampus.campaigns.forms import CampaignEditForm
from safecampus.campaigns.testing import complete_rows
from safecampus.inspections import services
from safecampus.weekly.choices import METRICS

pytestmark = [pytest.mark.django_db]

ROOT = pathlib.Path(__file__).parents[2]


def test_weekly_figures_are_not_form_or_yes_no_labels():
    with translation.override("zh-hans"):
        labels = {key: str(label) for key, label in METRICS}
    assert labels["in_progress"] == "整改中"
    assert labels["overdue"] == "逾期数"
    assert "填报中" not in labels.values() and "是否逾期" not in labels.values()


def test_a_campaigns_description_is_not_a_hazard_description():
    with translation.override("zh-hans"):
        label = str(CampaignEditForm.base_fields["description"].label)
    assert label == "行动说明"


def test_no_template_falls_back_to_a_username():
    offenders = [
        str(p.relative_to(ROOT))
        for p in ROOT.glob("*/templates/**/*.html")
        if re.search(r"get_full_name\|default:[\w.]*username", p.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_form_events_name_people_by_name(camp, client_for):
    camp.school_user.full_name = "赵老师"
    camp.school_user.save(update_fields=["full_name"])
    form = camp.form_a
    services.form_save(actor=camp.school_user, form_id=form.pk, rows=complete_rows(form))
    services.form_submit(actor=camp.school_user, form_id=form.pk)
    body = client_for(camp.centre).get(reverse("inspections:form_detail", args=[form.pk]))
    events = body.content.decode().split('data-testid="form-events"')[1].split("</ul>")[0]
    assert "赵老师" in events
    assert camp.school_user.username not in events


def test_the_answer_card_gives_the_basis_by_title_never_a_file_name(camp, client_for):
    answer = camp.form_a.answers.select_related("item").first()
    type(answer.item).objects.filter(pk=answer.item_id).update(
        source="002_baf5f1843da22c12.txt §三.4"
    )
    body = (
        client_for(camp.school_user)
        .get(reverse("inspections:form_detail", args=[camp.form_a.pk]))
        .content.decode()
    )
    assert "兖州区学校“攻坚四季度、坚定保平安”工作方案〉的通知》第三条第4项" in body
    assert ".txt" not in body and "§" not in body


def test_the_answer_cards_guidance_names_documents_by_title(camp, client_for):
    """The default catalog's guidance cites other documents as ``003 §14``: a school reads the
    title and clause, never the seed's number and a section sign."""
    answer = camp.form_a.answers.select_related("item").first()
    type(answer.item).objects.filter(pk=answer.item_id).update(
        guidance="查看联络员名单；普陀要点（003 §14）亦要求", source=""
    )
    body = (
        client_for(camp.school_user)
        .get(reverse("inspections:form_detail", args=[camp.form_a.pk]))
        .content.decode()
    )
    assert "2024年普陀区教育系统安全工作要点〉的通知》第14条" in body
    assert "§" not in body
