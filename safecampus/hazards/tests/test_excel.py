"""The register's Excel export: every cell as the hazard's own methods give it, whatever the
status, the departments and the optional fields; one query per 2,000 rows for cooperations."""

import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from safecampus.core.roles import Role
from safecampus.core.testing_excel import table
from safecampus.hazards import excel
from safecampus.hazards.models import Hazard
from safecampus.hazards.selectors import hazard_list

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


def _reference_row(n: int, h: Hazard) -> list:
    """A row as the export wrote it from model instances (before it read tuples)."""
    today = timezone.localdate()
    overdue = h.is_overdue(today)
    coop = h.cooperating_departments.order_by("bureau", "sort_order", "name")
    return [
        n,
        h.code,
        h.school.name,
        h.school.get_stage_display(),
        f"{h.area.code} {h.area.name}",
        f"{h.item.code} {h.item.text}" if h.item_id else "",
        h.description,
        h.location,
        h.get_source_display(),
        h.found_on,
        h.found_by,
        h.get_level_display(),
        h.get_risk_colour_display() if h.risk_colour else "",
        float(h.risk_score) if h.risk_score is not None else None,
        h.get_remedy_type_display(),
        h.responsible_department.name if h.responsible_department_id else "",
        "、".join(d.name for d in coop),
        h.responsible_person,
        h.responsible_phone,
        h.measures,
        h.funds,
        h.contingency_plan,
        h.interim_measures,
        h.deadline,
        h.get_status_display(),
        "是" if overdue else "否",
        h.days_overdue(today) if overdue else None,
        h.get_summary_display(),
        "是" if h.supervised else "否",
        h.closed_on,
    ]


@pytest.fixture
def varied(reg):
    """Hazards in six statuses: overdue, closed, with and without item, departments, grade."""
    items = {i.code: i for i in reg.catalog.items.all()}
    third = reg.other_dept.__class__.objects.create(bureau=reg.bureau, name="保卫科")
    reg.make("reported", location="一楼", found_by="李老师")
    reg.make(
        "assigned",
        deadline=timezone.localdate() - datetime.timedelta(days=4),
        responsible_phone="139",
    )
    reg.make("closed", school=reg.school_b)
    reg.make("hard", lec_l="3", lec_e="6", lec_c="7", measures="更换", funds="2万元")
    reg.make("withdrawn")
    h = reg.make("rectifying", item=items["A01-02"], level="general", interim_measures="设置围挡")
    h.cooperations.create(department=third)
    h.cooperations.create(department=reg.other_dept)
    Hazard.objects.filter(pk=h.pk).update(supervised=True, contingency_plan="预案")
    no_item = reg.make("reported", item=items["A02-01"])
    Hazard.objects.filter(pk=no_item.pk).update(item=None, item_code="")
    return reg


def _export(qs) -> list[list]:
    buf = io.BytesIO()
    n = excel.write_hazard_workbook(buf, qs)
    _headers, rows = table(buf.getvalue())
    assert n == len(rows)
    return rows


def _cell(value):
    """As a cell reads back: dates as midnight datetimes, "" as empty."""
    if isinstance(value, datetime.date):
        return datetime.datetime.combine(value, datetime.time())
    return None if value == "" else value


def test_every_cell_is_what_the_hazard_says(varied):
    qs = hazard_list(user=varied.users[Role.SAFETY_CENTRE])
    with translation.override("zh-hans"):
        expected = [[_cell(v) for v in _reference_row(n, h)] for n, h in enumerate(qs, start=1)]
    assert len(expected) == 7
    assert _export(qs) == expected
    statuses = {row[24] for row in expected}
    assert len(statuses) == 6  # every status above, as its Chinese label
    assert {row[25] for row in expected} == {"是", "否"}


def test_cooperating_departments_in_department_order(varied):
    [row] = [r for r in _export(Hazard.objects.filter(supervised=True)) if r[28] == "是"]
    assert row[16] == "、".join(
        d.name
        for d in Hazard.objects.get(supervised=True).cooperating_departments.order_by(
            "bureau", "sort_order", "name"
        )
    )
    assert set(row[16].split("、")) == {"保卫科", "安保科"}


def test_a_sliced_register_and_one_cooperation_query_per_chunk(varied, monkeypatch):
    monkeypatch.setattr(excel, "CHUNK", 3)
    qs = hazard_list(user=varied.users[Role.SAFETY_CENTRE])
    with CaptureQueriesContext(connection) as ctx:
        rows = _export(qs[:5])
    assert [r[1] for r in rows] == [h.code for h in qs[:5]]
    coop_queries = [q for q in ctx.captured_queries if "hazardcooperation" in q["sql"]]
    assert len(coop_queries) == 2  # 3 + 2 rows
