"""The compliance pages: scope, the figures against the cards, the links, the "4个100%"."""

import datetime
import re

import pytest
from django.utils import timezone

from safecampus.core.roles import Role
from safecampus.core.testing import (
    DepartmentFactory,
    SchoolFactory,
    count_queries,
    scope_matrix,
    user_with_role,
)
from safecampus.standards import selectors, services
from safecampus.standards.choices import FindingStatus, Four100, Outcome
from safecampus.standards.models import Finding, SchoolStanding
from safecampus.standards.testing import (
    compliant_gate,
    compliant_values,
    record_facts,
    standards_world,
)

pytestmark = pytest.mark.dates

NOW = timezone.make_aware(datetime.datetime(2026, 12, 1, 10))
URL = "/standards/compliance/"


@pytest.fixture
def cw(world):
    """Policy of 山东 + GB/T 29315 (all four parts); school A complies but for certified guards
    and video at its gate; school B (kindergarten) misses closed management."""
    standards_world(world, codes=("shandong", "gb29315"))
    for s in (world.school_a, world.school_b):
        s.gate_count = 1
        s.save()
    centre = world.users[Role.SAFETY_CENTRE]
    record_facts(
        world.school_a,
        centre,
        values=compliant_values(guards_certified=10),
        gates=[compliant_gate(video=False)],
        now=NOW,
    )
    record_facts(world.school_b, centre, values=compliant_values(closed_management=False), now=NOW)
    services.evaluate_bureau(world.bureau, now=NOW)
    return world


def _other_bureau(world):
    from safecampus.standards.loading import ensure_policy
    from safecampus.standards.testing import standards_catalog

    odept = DepartmentFactory(bureau=world.other_bureau, name="外区科")
    standards_catalog(world.other_bureau, odept)
    ensure_policy(world.other_bureau, ["shandong", "gb29315"], "stricter")
    centre = user_with_role(Role.SAFETY_CENTRE, world.other_bureau, username="ocentre")
    world.school_other.gate_count = 1
    world.school_other.save()
    record_facts(
        world.school_other,
        centre,
        values=compliant_values(closed_management=False, guards_certified=1),
        now=NOW,
    )
    services.evaluate_bureau(world.other_bureau, now=NOW)
    return centre


def _figure(html: str, name: str) -> tuple[int, str]:
    m = re.search(rf'<a href="([^"]+)" data-figure="{re.escape(name)}"[^>]*>[^<\d]*(\d+)', html)
    assert m, name
    return int(m.group(2)), m.group(1).replace("&amp;", "&")


def _schools_on(client, url: str) -> set[int]:
    html = client.get(url).content.decode()
    return {int(x) for x in re.findall(r'data-school="(\d+)"', html)}


@pytest.mark.parametrize(
    "url",
    [
        URL,
        "/standards/compliance/standings/",
        "/standards/compliance/schools/?key=guards.certified",
        "/standards/compliance/export.xlsx",
    ],
)
def test_roles(cw, client, url):
    scope_matrix(
        client,
        url,
        permitted=cw.users[Role.SAFETY_CENTRE],
        wrong_role=[
            cw.users[Role.SCHOOL_OFFICER],
            cw.users[Role.PRINCIPAL],
            cw.users[Role.PARTNER],
        ],
    )
    for role in (Role.LEADERSHIP, Role.INSPECTOR, Role.DEPARTMENT_OFFICER):
        client.force_login(cw.users[role])
        assert client.get(url).status_code == 200


def test_figures_equal_the_cards(cw, client):
    centre = cw.users[Role.SAFETY_CENTRE]
    rows = {r["key"]: r for r in selectors.requirement_rows(centre)["rows"]}
    cards = list(SchoolStanding.objects.filter(bureau=cw.bureau))
    assert len(cards) == 2
    for key, row in rows.items():
        for outcome in Outcome.values:
            expected = sum(1 for c in cards if c.results.get(key, {}).get("o") == outcome)
            assert row[outcome] == expected, (key, outcome)
    assert rows["guards.certified"]["fail"] == 1
    assert rows["guards.certified"]["title"]
    client.force_login(centre)
    html = client.get(URL).content.decode()
    n, link = _figure(html, "fail-guards.certified")
    assert n == 1
    assert _schools_on(client, link) == {cw.school_a.pk}
    n, link = _figure(html, "fail-video.gates")
    assert _schools_on(client, link) == {cw.school_a.pk} and n == 1


def test_other_bureau_never_counted(cw, client):
    other_centre = _other_bureau(cw)
    centre = cw.users[Role.SAFETY_CENTRE]
    four = {f["part"]: f for f in selectors.four100_figures(centre)}
    assert four[Four100.CLOSED]["fail"] == 1 and four[Four100.CLOSED]["total"] == 2
    ofour = {f["part"]: f for f in selectors.four100_figures(other_centre)}
    assert ofour[Four100.CLOSED]["fail"] == 1 and ofour[Four100.CLOSED]["total"] == 1
    client.force_login(centre)
    _n, link = _figure(client.get(URL).content.decode(), "four100-closed-fail")
    assert _schools_on(client, link) == {cw.school_b.pk}
    assert cw.school_other.pk not in _schools_on(
        client, "/standards/compliance/standings/?failing=1"
    )
    assert cw.school_other.pk not in _schools_on(
        client, "/standards/compliance/schools/?rows=findings"
    )


def test_four100_rates_and_links(cw, client):
    centre = cw.users[Role.SAFETY_CENTRE]
    four = {f["part"]: f for f in selectors.four100_figures(centre)}
    cards = list(SchoolStanding.objects.filter(bureau=cw.bureau))
    for part, field in selectors.FOUR100_FIELDS.items():
        assert four[part]["pass"] == sum(1 for c in cards if getattr(c, field) is True), part
        assert four[part]["fail"] == sum(1 for c in cards if getattr(c, field) is False), part
        assert four[part]["total"] == 2, part
    assert four[Four100.CLOSED]["rate"] == 50.0
    client.force_login(centre)
    html = client.get(URL).content.decode()
    for part in Four100.values:
        n, link = _figure(html, f"four100-{part}-fail")
        missing = {
            c.school_id for c in cards if getattr(c, selectors.FOUR100_FIELDS[part]) is False
        }
        assert n == len(missing)
        assert _schools_on(client, link) == missing


def test_department_sees_only_its_requirements(cw, client):
    other_dept = DepartmentFactory(bureau=cw.bureau, name="安稳科")
    Finding.objects.filter(key="video.gates").update(department=other_dept)
    dept = cw.users[Role.DEPARTMENT_OFFICER]
    data = selectors.requirement_rows(dept)
    assert data["whole"] is False
    keys = {r["key"] for r in data["rows"]}
    expected = set(
        Finding.objects.filter(status=FindingStatus.OPEN, department=cw.department).values_list(
            "key", flat=True
        )
    )
    assert keys == expected and "video.gates" not in keys and "guards.certified" in keys
    client.force_login(dept)
    html = client.get(URL).content.decode()
    assert 'data-testid="department-note"' in html
    assert 'data-figure="fail-video.gates"' not in html
    assert _schools_on(client, "/standards/compliance/schools/?key=video.gates") == set()


def test_stage_links_and_filters(cw, client):
    client.force_login(cw.users[Role.LEADERSHIP])
    html = client.get(URL).content.decode()
    n, link = _figure(html, "stage-fail-kindergarten")
    findings = Finding.objects.filter(status=FindingStatus.OPEN, school=cw.school_b)
    assert n == findings.count()
    page = client.get(link).content.decode()
    assert set(map(int, re.findall(r'data-finding="(\d+)"', page))) == set(
        findings.values_list("pk", flat=True)
    )
    assert _schools_on(client, "/standards/compliance/standings/?stage=kindergarten") == {
        cw.school_b.pk
    }


def test_another_bureau_asked_for_counts_nothing(cw, client):
    other_centre = _other_bureau(cw)
    client.force_login(cw.users[Role.SAFETY_CENTRE])
    bureau = f"?bureau={cw.other_bureau.pk}"
    assert _schools_on(client, "/standards/compliance/standings/" + bureau) == set()
    assert _schools_on(client, "/standards/compliance/schools/" + bureau) == set()
    assert (
        _schools_on(client, "/standards/compliance/schools/?rows=findings&" + bureau[1:]) == set()
    )
    assert all(
        f["total"] == 0
        for f in selectors.four100_figures(
            cw.users[Role.SAFETY_CENTRE], bureau_id=cw.other_bureau.pk
        )
    )
    # and the other bureau's centre sees its own school only
    client.force_login(other_centre)
    assert _schools_on(client, "/standards/compliance/standings/") == {cw.school_other.pk}


@pytest.mark.parametrize("query", ["?stage=castle", "?four=x", "?bureau=abc"])
def test_bad_filters_are_400(cw, client, query):
    client.force_login(cw.users[Role.SAFETY_CENTRE])
    for url in (URL, "/standards/compliance/standings/", "/standards/compliance/schools/"):
        response = client.get(url + query)
        assert response.status_code == 400
        assert 'data-testid="errors"' in response.content.decode()


def test_query_counts_do_not_grow(cw, client):
    centre = cw.users[Role.SAFETY_CENTRE]
    client.force_login(centre)
    urls = [
        URL,
        "/standards/compliance/standings/",
        "/standards/compliance/schools/?key=guards.certified",
    ]

    def grow(n):
        for i in range(n):
            s = SchoolFactory(bureau=cw.bureau, name=f"新校{i}", gate_count=1)
            record_facts(s, centre, gates=[compliant_gate(video=False)], now=NOW)

    grow(1)  # 3 schools
    small = [count_queries(client, u) for u in urls]
    grow(9)  # 12 schools
    large = [count_queries(client, u) for u in urls]
    # the page: session and scope, the tally per requirement, per school type and for the
    # 4个100%, the policy's rule sets (titles: the policy, its entries, each set's published
    # version and rules, a set it extends); the cards: a count and a page; the schools behind a
    # figure: a count, a page, and the requirement's title from the rules
    assert small == large == [20, 7, 18]


def _page_figures(client, params=None) -> dict:
    ctx = client.get(URL, params or {}).context
    counts = ("pass", "fail", "unknown", "na")
    return {
        "whole": ctx["whole"],
        "by_rule": [(r["key"], *(r[c] for c in counts), r["rate"]) for r in ctx["rows"]],
        "by_stage": [(r["stage"], *(r[c] for c in counts), r["rate"]) for r in ctx["by_stage"]],
        "four100": {
            f["part"]: (f["pass"], f["fail"], f["unknown"], f["total"], f["rate"])
            for f in ctx["four100"]
        },
    }


def _api_figures(client, params=None) -> dict:
    response = client.get("/api/v1/standard-compliance/", params or {})
    assert response.status_code == 200, response.content
    body = response.json()
    counts = ("pass", "fail", "unknown", "na")
    return {
        "whole": body["whole"],
        "by_rule": [(r["key"], *(r[c] for c in counts), r["rate"]) for r in body["by_rule"]],
        "by_stage": [(r["stage"], *(r[c] for c in counts), r["rate"]) for r in body["by_stage"]],
        "four100": {
            part: (f["pass"], f["fail"], f["unknown"], f["total"], f["rate"])
            for part, f in body["four100"].items()
        },
    }


def test_the_api_gives_the_page_figures_to_the_centre_and_to_a_department(cw, client):
    other_dept = DepartmentFactory(bureau=cw.bureau, name="安稳科")
    Finding.objects.filter(key="video.gates").update(department=other_dept)
    for role, whole in ((Role.SAFETY_CENTRE, True), (Role.DEPARTMENT_OFFICER, False)):
        client.force_login(cw.users[role])
        for params in ({}, {"stage": cw.school_b.stage}):
            page, api = _page_figures(client, params), _api_figures(client, params)
            assert api == page, (role, params)
            assert api["whole"] is whole
            assert api["by_rule"], (role, params)
    # a department: only its requirements, from its findings
    body = client.get("/api/v1/standard-compliance/").json()
    keys = {r["key"] for r in body["by_rule"]}
    assert "video.gates" not in keys and "guards.certified" in keys
    assert all(r["rate"] is None and r["pass"] == 0 for r in body["by_rule"])


@pytest.mark.parametrize(
    "query",
    [
        "bureau=99999999999999999999",
        "department=99999999999999999999",
        "rows=findings&bureau=99999999999999999999",
        "rows=findings&department=99999999999999999999",
        "bureau=-1",
        "department=1e3",
    ],
)
def test_an_id_beyond_the_database_is_refused_not_a_500(cw, client, query):
    client.force_login(cw.users[Role.SAFETY_CENTRE])
    for url in (URL, "/standards/compliance/schools/", "/standards/compliance/standings/"):
        response = client.get(f"{url}?{query}", HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert response.status_code == 400, (url, query)
        assert "不是有效的编号" in response.content.decode(), (url, query)
