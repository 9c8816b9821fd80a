"""Draft editing and publishing of a bureau's own rule set, through the pages."""

import pytest
from django.urls import reverse

from safecampus.core.jobs import HANDLERS
from safecampus.core.models import Job
from safecampus.core.roles import Role
from safecampus.core.testing import scope_matrix, user_with_role
from safecampus.standards import services
from safecampus.standards.choices import VersionStatus
from safecampus.standards.models import Rule, RuleSet
from safecampus.standards.testing import standards_world


@pytest.fixture(autouse=True)
def _evaluate_kind(monkeypatch):
    # the evaluation job is registered by the engine's owner; the jobs never run in these tests
    if "standards.evaluate" not in HANDLERS:
        monkeypatch.setitem(HANDLERS, "standards.evaluate", "safecampus.standards.services.x")


RULE = {
    "key": "guards.night",
    "title": "夜间至少2名保安员",
    "pillar": "people",
    "kind": "min",
    "applies": "not boarding",
    "measure": "guards_night",
    "threshold": "2",
    "condition": "",
    "clause": "闵行区要求",
    "explanation": "夜间应至少{required}名，现有{actual}名",
    "note": "",
    "level": "major",
    "item_code": "A08-03",
    "four100": "",
    "sort_order": "20",
}


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
    )
    world.draft = world.own.versions.get()
    services.set_policy(
        actor=world.centre,
        bureau=world.bureau,
        mode="stricter",
        rule_set_ids=[world.own.pk, RuleSet.objects.get(code="gb29315").pk],
    )
    return world


def test_new_rule_saved_through_the_form(sw, client_for):
    client = client_for(sw.centre)
    page = client.get(reverse("standards:rule_new", args=[sw.draft.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="facts-help"' in html and "<code>guards_night</code>" in html
    assert "cond ? a : b" in html
    response = client.post(reverse("standards:rule_new", args=[sw.draft.pk]), RULE)
    assert response.status_code == 302
    rule = Rule.objects.get(version=sw.draft)
    assert (rule.key, rule.threshold, rule.sort_order) == ("guards.night", "2", 20)


@pytest.mark.parametrize(
    ("field", "text", "message"),
    [
        ("measure", "guards_night + foo", "未知事实“foo”"),
        ("threshold", "2 +* 3", "语法错误，位于第"),
        ("applies", "not (boarding", "语法错误，位于第"),
    ],
)
def test_bad_expression_shows_the_chinese_error_and_saves_nothing(
    sw, client_for, field, text, message
):
    client = client_for(sw.centre)
    response = client.post(reverse("standards:rule_new", args=[sw.draft.pk]), {**RULE, field: text})
    assert response.status_code == 400
    html = response.content.decode()
    error = html.split(f'data-testid="error-{field}">')[1].split("</div>")[0]
    assert message in error
    assert "字符" in error  # the position
    assert not Rule.objects.filter(version=sw.draft).exists()


def test_edit_rule_with_unknown_fact_keeps_the_old_rule(sw, client_for):
    rule = services.save_rule(actor=sw.centre, version_id=sw.draft.pk, data=dict(RULE))
    client = client_for(sw.centre)
    response = client.post(
        reverse("standards:rule_edit", args=[rule.pk]), {**RULE, "measure": "foo"}
    )
    assert response.status_code == 400
    assert "未知事实“foo”。（第1个字符）" in response.content.decode()
    rule.refresh_from_db()
    assert rule.measure == "guards_night"


def test_publish_refused_lists_every_error(sw, client_for):
    bad = services.save_rule(actor=sw.centre, version_id=sw.draft.pk, data=dict(RULE))
    # a rule that slipped in unchecked (e.g. before a fact was renamed)
    Rule.objects.filter(pk=bad.pk).update(measure="foo", threshold="2 +")
    client = client_for(sw.centre)
    response = client.post(reverse("standards:ruleset_publish", args=[sw.draft.pk]), follow=True)
    html = response.content.decode()
    assert "草稿未发布" in html
    assert "guards.night.measure: 未知事实“foo”" in html
    assert "guards.night.threshold: 语法错误" in html
    sw.draft.refresh_from_db()
    assert sw.draft.status == VersionStatus.DRAFT


def test_publish_freezes_the_version_and_starts_a_job(sw, client_for):
    services.save_rule(actor=sw.centre, version_id=sw.draft.pk, data=dict(RULE))
    client = client_for(sw.centre)
    before = Job.objects.order_by("-pk").values_list("pk", flat=True).first()
    response = client.post(
        reverse("standards:ruleset_publish", args=[sw.draft.pk]),
        {"note": "夜间增至2名"},
        follow=True,
    )
    sw.draft.refresh_from_db()
    assert sw.draft.status == VersionStatus.PUBLISHED and sw.draft.note == "夜间增至2名"
    job = Job.objects.get(kind="standards.evaluate", pk__gt=before, created_by=sw.centre)
    assert f'href="/jobs/{job.pk}/"' in response.content.decode() or job.get_absolute_url() in (
        response.content.decode()
    )
    # a published version is frozen: its rules are not edited, not added, not removed
    rule = Rule.objects.get(version=sw.draft)
    edit = client.post(
        reverse("standards:rule_edit", args=[rule.pk]), {**RULE, "threshold": "5"}, follow=True
    )
    assert "已发布的版本不可修改" in edit.content.decode()
    client.post(reverse("standards:rule_new", args=[sw.draft.pk]), {**RULE, "key": "x.y"})
    client.post(reverse("standards:rule_delete", args=[rule.pk]))
    rule.refresh_from_db()
    assert rule.threshold == "2"
    assert list(Rule.objects.filter(version=sw.draft).values_list("key", flat=True)) == [
        "guards.night"
    ]
    # a new draft starts as a copy of the published version
    client.post(reverse("standards:ruleset_draft", args=[sw.own.pk]))
    new = sw.own.versions.get(status=VersionStatus.DRAFT)
    assert new.number == 2 and new.rules.get().threshold == "2"


def test_roles_and_scope_of_editing(sw, client_for):
    client = client_for(sw.centre)
    rule = services.save_rule(actor=sw.centre, version_id=sw.draft.pk, data=dict(RULE))
    dept = sw.users[Role.DEPARTMENT_OFFICER]
    for url in (
        reverse("standards:ruleset_publish", args=[sw.draft.pk]),
        reverse("standards:rule_delete", args=[rule.pk]),
        reverse("standards:ruleset_draft", args=[sw.own.pk]),
    ):
        scope_matrix(client, url, method="post", wrong_role=[dept], out_of_scope=[sw.other_centre])
    for url in (
        reverse("standards:rule_new", args=[sw.draft.pk]),
        reverse("standards:rule_edit", args=[rule.pk]),
    ):
        scope_matrix(
            client,
            url,
            permitted=sw.centre,
            wrong_role=[dept, sw.users[Role.SCHOOL_OFFICER]],
            out_of_scope=[sw.other_centre],
        )
    sw.draft.refresh_from_db()
    assert sw.draft.status == VersionStatus.DRAFT
    assert Rule.objects.filter(pk=rule.pk).exists()


def test_override_prefills_the_inherited_rule(sw, client_for):
    url = reverse("standards:rule_new", args=[sw.draft.pk]) + "?key=guards.day"
    html = client_for(sw.centre).get(url).content.decode()
    assert 'value="guards.day"' in html
    # the inherited clause cites the document by its title, never the seed file
    assert 'name="clause"' in html and "第四条第（一）款" in html and ".txt" not in html
