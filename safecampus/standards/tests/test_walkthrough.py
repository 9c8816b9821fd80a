"""Fixes from a newcomer's walk through every role's pages."""

import datetime
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from safecampus.core.roles import Role
from safecampus.standards import services
from safecampus.standards.models import RuleSet
from safecampus.standards.testing import record_facts, standards_world

pytestmark = pytest.mark.dates

NOW = timezone.make_aware(datetime.datetime(2026, 12, 1, 10))

NIGHT = {
    "key": "guards.night",
    "title": "夜间至少2名保安员（区定）",
    "pillar": "people",
    "kind": "min",
    "applies": "not boarding",
    "measure": "guards_night",
    "threshold": "2",
    "clause": "闵行区要求",
    "explanation": "夜间应至少{required}名，现有{actual}名",
    "level": "major",
    "item_code": "A08-03",
    "sort_order": 20,
}


@pytest.fixture
def ww(world):
    standards_world(world)
    world.centre = world.users[Role.SAFETY_CENTRE]
    for school in (world.school_a, world.school_b):
        record_facts(school, world.centre, now=NOW)
    services.evaluate_bureau(world.bureau, now=NOW)
    return world


def _own_set_first(w):
    own = services.create_rule_set(
        actor=w.centre,
        bureau=w.bureau,
        code="minhang",
        name="闵行区补充要求",
        extends=RuleSet.objects.get(code="shanghai"),
    )
    draft = own.versions.get()
    services.save_rule(actor=w.centre, version_id=draft.pk, data=dict(NIGHT))
    services.publish(actor=w.centre, version_id=draft.pk, now=NOW)
    services.set_policy(
        actor=w.centre,
        bureau=w.bureau,
        mode="stricter",
        rule_set_ids=[own.pk, RuleSet.objects.get(code="gb29315").pk],
    )
    services.evaluate_bureau(w.bureau, now=NOW)
    return own


def test_compliance_row_named_after_the_first_listed_set(ww, client_for):
    _own_set_first(ww)
    html = client_for(ww.centre).get("/standards/compliance/").content.decode()
    assert "夜间至少2名保安员（区定）" in html
    assert "夜间至少1名保安员" not in html
    response = client_for(ww.centre).get("/standards/compliance/export.xlsx")
    wb = load_workbook(io.BytesIO(response.content))
    cells = {c for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row}
    assert "夜间至少2名保安员（区定）" in cells
    assert "夜间至少1名保安员" not in cells
