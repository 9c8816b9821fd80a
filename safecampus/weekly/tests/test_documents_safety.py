"""The weekly report workbook writes user text as text, never as a formula."""

import pytest
from django.urls import reverse

from safecampus.core.testing_excel import FORMULA_TEXTS, assert_text_not_formula
from safecampus.orgs.models import School
from safecampus.weekly import services
from safecampus.weekly.choices import METRIC_KEYS

from .conftest import at_noon, place
from .test_services import open_report

pytestmark = pytest.mark.django_db


def test_the_report_workbook_writes_user_text_as_text(wk, client_for):
    w = wk
    School.objects.filter(pk=w.school_a.pk).update(name=FORMULA_TEXTS[3])
    place(w, "hard", reported_on=w.last_week.start)
    report = open_report(w, w.last_week)
    report = services.weekly_report_submit(
        actor=w.dept_user,
        report_id=report.pk,
        data={"progress": FORMULA_TEXTS[0], "problems": FORMULA_TEXTS[1], "next_plan": "-2+3"},
        now=at_noon(w.last_week.due),
    )
    r = client_for(w.centre).get(reverse("weekly:report_xlsx", args=[report.pk]))
    assert r.status_code == 200
    cells = assert_text_not_formula(r.content, FORMULA_TEXTS[:4])
    school_row = next(c.row for c in cells if c.value == FORMULA_TEXTS[3])
    assert [c.data_type for c in cells if c.row == school_row][1:] == ["n"] * len(
        METRIC_KEYS
    )  # figures
