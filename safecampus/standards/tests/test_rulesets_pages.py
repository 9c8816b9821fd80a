"""Rule set pages: the list, one set's rules by pillar (inherited ones marked), scope and roles."""

import pytest
from django.urls import reverse

from safecampus.core.jobs import HANDLERS
from safecampus.core.roles import Role
from safecampus.core.testing import count_queries, scope_matrix, user_with_role
from safecampus.standards import services
from safecampus.standards.models import RuleSet
from safecampus.standards.testing import standards_world


@pytest.fixture(autouse=True)
def _evaluate_kind(monkeypatch):
    # the evaluation job is registered by the engine's owner; the jobs never run in these tests
    if "standards.evaluate" not in HANDLERS:
        monkeypatch.setitem(HANDLERS, "standards.evaluate", "safecampus.standards.services.x")


@pytest.fixture
def sw(world):
    standards_world(world)
    world.centre = world.users[Role.SAFETY_CENTRE]
    world.other_centre = user_with_role(Role.SAFETY_CENTRE, world.other_bureau, username="c2")
    world.own = services.create_rule_set(
        actor=world.centre,
        bureau=world.bureau,
        code="minhang",
        name="闵行区补充要求",
        extends=RuleSet.objects.get(code="shanghai"),
        region_name="闵行区",
    )
    return world


def test_list_shows_shipped_and_own_sets_and_the_policy(sw, client_for):
    page = client_for(sw.centre).get(reverse("standards:ruleset_list"))
    assert page.status_code == 200
    html = page.content.decode()
    for code in ("gb29315", "shanghai", "shandong", "zhejiang", "minhang"):
        assert f'data-testid="ruleset-{code}"' in html
    assert 'data-testid="new-ruleset"' in html
    assert "就高不就低（取最严）" in html


def test_own_set_invisible_to_the_other_bureau(sw, client_for):
    page = client_for(sw.other_centre).get(reverse("standards:ruleset_list"))
    assert 'data-testid="ruleset-minhang"' not in page.content.decode()
    assert 'data-testid="ruleset-shanghai"' in page.content.decode()
    url = reverse("standards:ruleset_detail", args=[sw.own.pk])
    scope_matrix(
        client_for(sw.centre),
        url,
        permitted=sw.users[Role.LEADERSHIP],
        out_of_scope=[sw.other_centre],
    )


def test_school_user_reads_shipped_sets_but_may_not_edit(sw, client_for):
    school = sw.users[Role.SCHOOL_OFFICER]
    shanghai = RuleSet.objects.get(code="shanghai")
    client = client_for(school)
    page = client.get(reverse("standards:ruleset_detail", args=[shanghai.pk]))
    assert page.status_code == 200
    assert 'data-testid="start-draft"' not in page.content.decode()
    assert client.post(reverse("standards:ruleset_draft", args=[shanghai.pk])).status_code == 403
    assert client.get(reverse("standards:ruleset_create")).status_code == 403
    # the bureau's own set is read by its school, never edited
    assert client.post(reverse("standards:ruleset_draft", args=[sw.own.pk])).status_code == 403
    draft = sw.own.versions.get()
    assert client.get(reverse("standards:rule_new", args=[draft.pk])).status_code == 403


def test_detail_groups_rules_by_pillar_and_marks_inherited(sw, client_for):
    draft = sw.own.versions.get()
    services.save_rule(
        actor=sw.centre,
        version_id=draft.pk,
        data={
            "key": "guards.night",
            "title": "夜间至少2名保安员",
            "pillar": "people",
            "kind": "min",
            "applies": "not boarding",
            "measure": "guards_night",
            "threshold": "2",
            "clause": "闵行区要求",
            "explanation": "夜间应至少{required}名，现有{actual}名",
            "level": "major",
            "item_code": "A08-03",
        },
    )
    page = client_for(sw.centre).get(
        reverse("standards:ruleset_detail", args=[sw.own.pk]) + f"?version={draft.pk}"
    )
    html = page.content.decode()
    assert 'data-testid="pillar-people"' in html and 'data-testid="pillar-technical"' in html
    own_row = html.split('data-testid="rule-guards.night"')[1].split("</tr>")[0]
    assert "data-inherited" not in own_row and "夜间至少2名保安员" in own_row
    day_row = html.split('data-testid="rule-guards.day"')[1].split("</tr>")[0]
    assert 'data-testid="inherited"' in day_row
    assert "不少于" in day_row
    assert 'data-testid="new-rule"' in html  # a draft of an own set
    assert "草稿" in html


def test_shipped_set_detail_is_read_only_for_the_centre(sw, client_for):
    shanghai = RuleSet.objects.get(code="shanghai")
    client = client_for(sw.centre)
    html = client.get(reverse("standards:ruleset_detail", args=[shanghai.pk])).content.decode()
    assert 'data-testid="frozen"' in html and 'data-testid="new-rule"' not in html
    assert client.post(reverse("standards:ruleset_draft", args=[shanghai.pk])).status_code == 403


def test_unknown_version_is_404(sw, client_for):
    other = RuleSet.objects.get(code="gb29315").versions.get()
    url = reverse("standards:ruleset_detail", args=[sw.own.pk]) + f"?version={other.pk}"
    assert client_for(sw.centre).get(url).status_code == 404


def test_create_own_rule_set(sw, client_for):
    client = client_for(sw.centre)
    bad = client.post(reverse("standards:ruleset_create"), {"code": "minhang", "name": "重复"})
    assert bad.status_code == 400
    assert RuleSet.objects.filter(name="重复").count() == 0
    ok = client.post(
        reverse("standards:ruleset_create"),
        {"code": "mh2", "name": "第二套", "extends": RuleSet.objects.get(code="gb29315").pk},
    )
    assert ok.status_code == 302
    created = RuleSet.objects.get(code="mh2")
    assert created.bureau == sw.bureau and created.extends.code == "gb29315"
    assert (
        client_for(sw.users[Role.DEPARTMENT_OFFICER])
        .post(reverse("standards:ruleset_create"), {"code": "mh3", "name": "x"})
        .status_code
        == 403
    )


def test_query_counts_of_detail(sw, client_for):
    client = client_for(sw.centre)
    shanghai = RuleSet.objects.get(code="shanghai")
    url = reverse("standards:ruleset_detail", args=[shanghai.pk])
    assert count_queries(client, url) == QUERIES_DETAIL
    own_url = reverse("standards:ruleset_detail", args=[sw.own.pk])
    assert count_queries(client, own_url) == QUERIES_DETAIL_OWN


QUERIES_DETAIL = 12  # independent of the number of rules (one: may the user see drafts)
QUERIES_DETAIL_OWN = 15  # one level more of extension: its version and rules


def test_query_count_of_the_list_does_not_grow_with_sets(sw, client_for):
    client = client_for(sw.centre)
    url = reverse("standards:ruleset_list")
    before = count_queries(client, url)
    services.create_rule_set(actor=sw.centre, bureau=sw.bureau, code="mh9", name="另一套")
    assert count_queries(client, url) == before == QUERIES_LIST


QUERIES_LIST = 11  # one: the sets whose drafts the user sees


def test_a_partner_unit_reads_no_rule_set(sw, client_for):
    partner = client_for(sw.users[Role.PARTNER])
    page = partner.get(reverse("standards:ruleset_list"))
    html = page.content.decode()
    for code in ("gb29315", "shanghai", "minhang"):
        assert f'data-testid="ruleset-{code}"' not in html
    for rule_set in (RuleSet.objects.get(code="shanghai"), sw.own):
        url = reverse("standards:ruleset_detail", args=[rule_set.pk])
        assert partner.get(url).status_code == 404


def test_a_draft_is_shown_only_to_those_who_edit_the_set(sw, client_for):
    draft = sw.own.versions.get(number=1)
    assert not draft.frozen
    url = reverse("standards:ruleset_detail", args=[sw.own.pk])
    for role in (Role.SCHOOL_OFFICER, Role.LEADERSHIP):
        reader = client_for(sw.users[role])
        assert reader.get(f"{url}?version={draft.pk}").status_code == 404, role
        html = reader.get(url).content.decode()
        assert f"?version={draft.pk}" not in html, role
        listing = reader.get(reverse("standards:ruleset_list")).content.decode()
        assert f"?version={draft.pk}" not in listing, role
    centre = client_for(sw.centre)
    assert centre.get(f"{url}?version={draft.pk}").status_code == 200
    assert f"?version={draft.pk}" in centre.get(reverse("standards:ruleset_list")).content.decode()
