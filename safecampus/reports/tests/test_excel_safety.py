"""The dashboard workbooks (bureau and school) write user text as text, never as a formula;
counts stay numbers."""

import pytest
from django.urls import reverse
from django.utils import translation

from safecampus.campaigns.models import Campaign
from safecampus.core.testing_excel import FORMULA_TEXTS, assert_text_not_formula
from safecampus.hazards.models import Hazard
from safecampus.orgs.models import Department, School

from . import dashboard_world

dash = dashboard_world.dash  # the fixture

pytestmark = pytest.mark.django_db


def test_the_dashboard_workbook_writes_user_text_as_text(dash, client_for):
    w = dash.world
    School.objects.filter(pk=w.school_a.pk).update(name=FORMULA_TEXTS[0])
    School.objects.filter(pk=w.school_b.pk).update(name=FORMULA_TEXTS[1])
    Department.objects.filter(pk=w.department.pk).update(name=FORMULA_TEXTS[2])
    Department.objects.filter(pk=w.other_dept.pk).update(name=FORMULA_TEXTS[3])
    Campaign.objects.filter(pk=w.campaign.pk).update(name=FORMULA_TEXTS[4])
    r = client_for(w.centre).get("/dashboard/export.xlsx")
    assert r.status_code == 200
    cells = assert_text_not_formula(r.content, FORMULA_TEXTS[:5])
    with translation.override("zh-hans"):
        overview = translation.gettext("Overview")
    counts = [c for c in cells if c.parent.title == overview and c.column == 2 and c.row > 1]
    assert {c.data_type for c in counts if not isinstance(c.value, str)} == {"n"}
    assert any(isinstance(c.value, int) for c in counts)


def test_the_school_dashboard_workbook_writes_user_text_as_text(dash, client_for):
    w = dash.world
    School.objects.filter(pk=w.school_a.pk).update(name=FORMULA_TEXTS[0])
    for name, text in zip(("r1", "a7", "r8", "s30", "h31"), FORMULA_TEXTS[1:], strict=True):
        Hazard.objects.filter(pk=dash.h[name].pk).update(description=text)
    r = client_for(w.centre).get(reverse("reports:school_dashboard_xlsx", args=[w.school_a.pk]))
    assert r.status_code == 200
    # the school's name heads every sheet (its title, its scope line), as text
    cells = assert_text_not_formula(r.content, FORMULA_TEXTS[1:])
    named = [c for c in cells if isinstance(c.value, str) and FORMULA_TEXTS[0] in c.value]
    assert named and {c.data_type for c in named} == {"s"}
