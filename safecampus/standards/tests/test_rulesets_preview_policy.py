"""The what-if preview of a draft and the bureau's policy page."""

import pytest
from django.urls import reverse

from safecampus.core.jobs import HANDLERS, job_run
from safecampus.core.models import Job
from safecampus.core.roles import Role
from safecampus.core.testing import scope_matrix, user_with_role
from safecampus.standards import services
from safecampus.standards.models import RuleSet, StandardsPolicy
from safecampus.standards.testing import record_facts, standards_world
from safecampus.standards.views import rulesets

pytestmark = pytest.mark.dates


@pytest.fixture(autouse=True)
def _evaluate_kind(monkeypatch):
    # the evaluation job is registered by the engine's owner; the jobs never run in these tests
    if "standards.evaluate" not in HANDLERS:
        monkeypatch.setitem(HANDLERS, "standards.evaluate", "safecampus.standards.services.x")


NIGHT = {
    "key": "guards.night",
    "title": "夜间至少99名保安员",
    "pillar": "people",
    "kind": "min",
    "applies": "not boarding",
    "measure": "guards_night",
    "threshold": "99",
    "clause": "闵行区要求",
    "explanation": "夜间应至少{required}名，现有{actual}名",
    "level": "major",
    "item_code": "A08-03",
    "sort_order": 20,
}


@pytest.fixture
def sw(world, clock):
    clock.move_to("2026-12-01T10:00")
    standards_world(world)
    world.centre = world.users[Role.SAFETY_CENTRE]
    world.other_centre = user_with_role(Role.SAFETY_CENTRE, world.other_bureau, username="c2")
    for school in (world.school_a, world.school_b):
        record_facts(school, world.centre)
    world.own = services.create_rule_set(
        actor=world.centre,
        bureau=world.bureau,
        code="minhang",
        name="闵行区补充要求",
        extends=RuleSet.objects.get(code="shanghai"),
    )
    world.draft = world.own.versions.get()
    services.save_rule(actor=world.centre, version_id=world.draft.pk, data=dict(NIGHT))
    services.set_policy(
        actor=world.centre,
        bureau=world.bureau,
        mode="stricter",
        rule_set_ids=[world.own.pk, RuleSet.objects.get(code="gb29315").pk],
    )
    return world


def _row(html, key):
    return html.split(f'data-testid="row-{key}"')[1].split("</tr>")[0]


def test_preview_counts_before_and_after_and_flags_a_rule_failing_every_school(sw, client_for):
    url = reverse("standards:ruleset_preview", args=[sw.draft.pk])
    page = client_for(sw.centre).get(url)
    assert page.status_code == 200
    html = page.content.decode()
    night = _row(html, "guards.night")
    assert 'data-testid="before">0<' in night and 'data-testid="after">2<' in night
    assert 'data-testid="fails-all-guards.night"' in html
    assert "将使其适用的全部2所学校不达标" in html
    assert "夜间至少99名保安员：发布后将新增2所学校不达标（现0所，发布后2所）。" in html
    day = _row(html, "guards.day")
    assert 'data-testid="before">0<' in day and 'data-testid="after">0<' in day


def test_preview_scope_and_roles(sw, client_for):
    url = reverse("standards:ruleset_preview", args=[sw.draft.pk])
    scope_matrix(
        client_for(sw.centre),
        url,
        permitted=sw.centre,
        wrong_role=[sw.users[Role.DEPARTMENT_OFFICER], sw.users[Role.SCHOOL_OFFICER]],
        out_of_scope=[sw.other_centre],
    )


def test_preview_of_a_large_bureau_runs_as_a_job(sw, client_for, monkeypatch):
    monkeypatch.setattr(rulesets, "PREVIEW_SYNC_LIMIT", 1)
    client = client_for(sw.centre)
    url = reverse("standards:ruleset_preview", args=[sw.draft.pk])
    page = client.get(url).content.decode()
    assert 'data-testid="run-preview"' in page and 'data-testid="preview-table"' not in page
    response = client.post(url)
    job = Job.objects.get(kind="standards.preview")
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    job = job_run(job.pk)
    assert job.status == Job.Status.SUCCEEDED
    assert job.result["url"] == f"{url}?job={job.pk}"
    html = client.get(job.result["url"]).content.decode()
    assert 'data-testid="fails-all-guards.night"' in html
    assert 'data-testid="after">2<' in _row(html, "guards.night")
    # another bureau's centre cannot read the job's preview
    other = client_for(sw.other_centre).get(job.result["url"])
    assert other.status_code == 404


def test_policy_page_reads_for_officers_and_explains_the_stricter(sw, client_for):
    leader = sw.users[Role.LEADERSHIP]
    html = client_for(leader).get(reverse("standards:policy")).content.decode()
    assert 'data-testid="save-policy"' not in html
    assert "就高不就低（取最严）" in html and "按顺序取第一个有该要求的规则集" in html
    assert 'data-testid="example"' in html and 'data-testid="example-won"' in html
    first = html.split('data-testid="set-')[1]
    assert first.startswith("minhang")


def test_policy_scope_and_roles(sw, client_for):
    url = reverse("standards:policy") + f"?bureau={sw.bureau.pk}"
    scope_matrix(
        client_for(sw.centre),
        url,
        permitted=sw.users[Role.DEPARTMENT_OFFICER],
        wrong_role=[sw.users[Role.SCHOOL_OFFICER]],
        out_of_scope=[sw.other_centre],
    )
    scope_matrix(
        client_for(sw.centre),
        url,
        method="post",
        data={"bureau": sw.bureau.pk, "mode": "specific", "apply": [sw.own.pk]},
        wrong_role=[sw.users[Role.DEPARTMENT_OFFICER], sw.users[Role.LEADERSHIP]],
        out_of_scope=[sw.other_centre],
    )
    policy = StandardsPolicy.objects.get(bureau=sw.bureau)
    assert policy.mode == "stricter" and policy.entries.count() == 2


def test_policy_save_reorders_the_sets_and_starts_a_job(sw, client_for):
    gb = RuleSet.objects.get(code="gb29315")
    shandong = RuleSet.objects.get(code="shandong")
    last = Job.objects.order_by("-pk").values_list("pk", flat=True).first()
    response = client_for(sw.centre).post(
        reverse("standards:policy"),
        {
            "bureau": sw.bureau.pk,
            "mode": "specific",
            "apply": [sw.own.pk, gb.pk, shandong.pk],
            f"position_{gb.pk}": "1",
            f"position_{shandong.pk}": "2",
            f"position_{sw.own.pk}": "3",
            "partners": [sw.partner.pk],
        },
        follow=True,
    )
    policy = StandardsPolicy.objects.get(bureau=sw.bureau)
    assert policy.mode == "specific"
    assert [e.rule_set.code for e in policy.entries.order_by("position")] == [
        "gb29315",
        "shandong",
        "minhang",
    ]
    assert list(policy.granted_partners.all()) == [sw.partner]
    job = Job.objects.get(pk__gt=last, kind="standards.evaluate")
    assert job.get_absolute_url() in response.content.decode()
    assert "适用规则已保存" in response.content.decode()


def test_policy_refused_without_a_set_changes_nothing(sw, client_for):
    last = Job.objects.order_by("-pk").values_list("pk", flat=True).first()
    response = client_for(sw.centre).post(
        reverse("standards:policy"), {"bureau": sw.bureau.pk, "mode": "specific"}
    )
    assert response.status_code == 400
    assert "请选择一个或多个您可查看的规则集" in response.content.decode()
    policy = StandardsPolicy.objects.get(bureau=sw.bureau)
    assert policy.mode == "stricter" and policy.entries.count() == 2
    assert not Job.objects.filter(pk__gt=last).exists()
