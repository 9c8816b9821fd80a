"""The dashboard's 人防物防技防 card: the figures equal the cards and link to exactly their rows."""

import re

import pytest

from safecampus.core.roles import Role
from safecampus.core.testing import DepartmentFactory
from safecampus.standards import selectors
from safecampus.standards.choices import FindingStatus, Four100
from safecampus.standards.models import Finding, SchoolStanding
from safecampus.standards.tests.test_compliance_views import (  # noqa: F401
    _figure,
    _other_bureau,
    _schools_on,
    cw,
)

pytestmark = pytest.mark.dates


def _findings_on(client, url: str) -> set[int]:
    html = client.get(url).content.decode()
    return {int(x) for x in re.findall(r'data-finding="(\d+)"', html)}


def test_centre_card_links_to_exactly_its_rows(cw, client):  # noqa: F811
    _other_bureau(cw)
    first = Finding.objects.filter(bureau=cw.bureau, status=FindingStatus.OPEN).first()
    from safecampus.standards import services
    from safecampus.standards.tests.test_core_smoke import INTERIM, NOW

    services.raise_hazard(
        actor=cw.users[Role.SAFETY_CENTRE], finding_id=first.pk, now=NOW, interim=INTERIM
    )
    client.force_login(cw.users[Role.SAFETY_CENTRE])
    html = client.get("/dashboard/").content.decode()
    assert 'data-testid="standards-card"' in html
    cards = list(SchoolStanding.objects.filter(bureau=cw.bureau))
    for part, field in selectors.FOUR100_FIELDS.items():
        n, link = _figure(html, f"std-four100-{part}-fail")
        missing = {c.school_id for c in cards if getattr(c, field) is False}
        assert n == len(missing) and _schools_on(client, link) == missing, part
    assert re.search(r'data-testid="std-four100-closed-rate">50.0%', html)
    open_ = Finding.objects.filter(bureau=cw.bureau, status=FindingStatus.OPEN)
    n, link = _figure(html, "std-schools")
    assert n == 2 and _schools_on(client, link) == set(open_.values_list("school_id", flat=True))
    n, link = _figure(html, "std-no-hazard")
    expected = set(open_.filter(hazard__isnull=True).values_list("pk", flat=True))
    assert n == len(expected) == open_.count() - 1
    assert _findings_on(client, link) == expected


def test_department_card_counts_its_findings(cw, client):  # noqa: F811
    other = DepartmentFactory(bureau=cw.bureau, name="安稳科")
    Finding.objects.filter(school=cw.school_b).update(department=other)
    client.force_login(cw.users[Role.DEPARTMENT_OFFICER])
    html = client.get("/dashboard/").content.decode()
    n, link = _figure(html, "std-schools")
    assert n == 1 and _schools_on(client, link) == {cw.school_a.pk}
    n, link = _figure(html, "std-no-hazard")
    mine = Finding.objects.filter(department=cw.department, status=FindingStatus.OPEN)
    assert n == mine.count() and _findings_on(client, link) == set(
        mine.values_list("pk", flat=True)
    )
    # the 4个100% of the bureau (every card of it is readable by the department)
    n, _link = _figure(html, f"std-four100-{Four100.CLOSED}-fail")
    assert n == 1


def test_print_page_has_the_card(cw, client):  # noqa: F811
    client.force_login(cw.users[Role.LEADERSHIP])
    html = client.get("/dashboard/print/").content.decode()
    assert 'data-testid="standards-card"' in html


def test_dashboard_workbook_has_the_card(cw, client):  # noqa: F811
    import io

    from openpyxl import load_workbook

    client.force_login(cw.users[Role.SAFETY_CENTRE])
    response = client.get("/dashboard/export.xlsx")
    wb = load_workbook(io.BytesIO(response.content))
    ws = wb["人防物防技防"]
    rows = {r[0]: r for r in ws.iter_rows(values_only=True) if r and r[0]}
    assert rows["封闭化管理"][1:] == (0.5, 1, 2)
    assert rows["存在未整改问题的学校"][2] == 2
