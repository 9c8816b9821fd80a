"""The register export writes user text as text, never as a formula; numbers and dates stay."""

import datetime
import io

import pytest
from openpyxl import load_workbook

from safecampus.core.roles import Role
from safecampus.core.testing_excel import FORMULA_TEXTS, assert_text_not_formula, header_row
from safecampus.hazards import excel
from safecampus.hazards.models import Hazard
from safecampus.hazards.selectors import hazard_list

pytestmark = pytest.mark.django_db


def test_the_register_writes_user_text_as_text(reg):
    hazard = reg.make("assigned")
    Hazard.objects.filter(pk=hazard.pk).update(
        description=FORMULA_TEXTS[0],
        location=FORMULA_TEXTS[1],
        responsible_person=FORMULA_TEXTS[2],
        measures=FORMULA_TEXTS[3],
        funds=FORMULA_TEXTS[4],
        contingency_plan=FORMULA_TEXTS[5],
        risk_score=90,
        deadline=datetime.date(2026, 6, 30),
    )
    buf = io.BytesIO()
    qs = hazard_list(user=reg.users[Role.SAFETY_CENTRE], filters={})
    assert excel.write_hazard_workbook(buf, qs) == 1
    assert_text_not_formula(buf.getvalue())
    ws = load_workbook(io.BytesIO(buf.getvalue())).worksheets[0]
    at = header_row(ws)
    header = [c.value for c in ws[at]]
    row = dict(zip(header, ws[at + 1], strict=True))
    assert (row["序号"].value, row["风险值D"].value) == (1, 90)
    assert row["风险值D"].data_type == "n"
    assert row["整改时限"].value == datetime.datetime(2026, 6, 30)
    assert row["隐患描述"].value == "=1+1"
    assert (ws.page_setup.paperSize, ws.print_title_rows) == (9, f"${at}:${at}")  # A4, header
