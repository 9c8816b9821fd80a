"""The duty catalog's pages: who reaches them, the draft → publish flow, the frozen published
version, the frequency rule's validation."""

import pytest
from django.urls import reverse

from safecampus.core.roles import Role
from safecampus.core.testing import scope_matrix, user_with_role
from safecampus.duties.models import Duty, DutyCatalogVersion
from safecampus.duties.testing import duty, small_duty_catalog

pytestmark = pytest.mark.django_db


@pytest.fixture
def cat(world):
    published = small_duty_catalog(world.bureau, world.department)
    draft = DutyCatalogVersion.objects.create(
        bureau=world.bureau, number=2, title="常态化工作清单", based_on=published
    )
    drill = duty(
        draft,
        "DRILL",
        "应急疏散演练",
        "monthly",
        overseeing_department=world.department,
        source="002 §二.1",
    )
    return {
        "published": published,
        "draft": draft,
        "drill": drill,
        "other_centre": user_with_role(Role.SAFETY_CENTRE, world.other_bureau),
    }


def _messages(response) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages]


def test_reading_pages(world, cat, client):
    u = world.users
    for name in ("duties:version_list", "duties:calendar"):
        scope_matrix(client, reverse(name), permitted=u[Role.PARTNER], wrong_role=[u[Role.AUDITOR]])
    for version in (cat["published"], cat["draft"]):
        for name in ("duties:version_detail", "duties:catalog_export"):
            scope_matrix(
                client,
                reverse(name, args=[version.pk]),
                permitted=u[Role.PRINCIPAL],
                out_of_scope=[cat["other_centre"], u[Role.AUDITOR]],
            )
    scope_matrix(
        client,
        reverse("duties:calendar") + f"?bureau={world.bureau.pk}",
        permitted=u[Role.SCHOOL_OFFICER],
        out_of_scope=[cat["other_centre"]],
    )


def test_editing_pages(world, cat, client):
    u = world.users
    readers = [u[Role.SCHOOL_OFFICER], u[Role.LEADERSHIP], u[Role.DEPARTMENT_OFFICER]]
    draft, drill = cat["draft"], cat["drill"]
    for url in (
        reverse("duties:duty_new", args=[draft.pk]),
        reverse("duties:duty_edit", args=[drill.pk]),
        reverse("duties:term_new", args=[world.bureau.pk]),
        reverse("duties:day_new", args=[world.bureau.pk]),
    ):
        scope_matrix(
            client,
            url,
            permitted=u[Role.SAFETY_CENTRE],
            wrong_role=readers,
            out_of_scope=[cat["other_centre"]],
        )
    for url, data in (
        (reverse("duties:duty_delete", args=[drill.pk]), {}),
        (reverse("duties:version_publish", args=[draft.pk]), {}),
        (reverse("duties:version_draft"), {"bureau": world.bureau.pk}),
        (reverse("duties:catalog_import"), {"bureau": world.bureau.pk}),
    ):
        scope_matrix(
            client,
            url,
            method="post",
            data=data,
            permitted=u[Role.SAFETY_CENTRE],
            wrong_role=readers,
            out_of_scope=[cat["other_centre"]],
        )
    scope_matrix(
        client,
        reverse("duties:rule_check") + "?frequency=monthly",
        permitted=u[Role.SAFETY_CENTRE],
        wrong_role=readers,
    )


def test_version_list_marks_the_effective_version(world, cat, client_for):
    client = client_for(world.users[Role.SCHOOL_OFFICER])
    response = client.get(reverse("duties:version_list"))
    assert response.status_code == 200
    rows = response.content.decode().split("<tr>")
    effective = [r for r in rows if 'data-testid="effective"' in r]
    assert len(effective) == 1 and f"/duties/catalog/{cat['published'].pk}/" in effective[0]
    # a reader gets no draft or import buttons
    assert reverse("duties:version_draft") not in response.content.decode()


def test_version_detail_shows_each_duty_in_words(world, cat, client_for):
    client = client_for(world.users[Role.PRINCIPAL])
    response = client.get(reverse("duties:version_detail", args=[cat["published"].pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "每月1次" in html  # DRILL's rule, in words
    assert "每年5月12日" in html  # DAY512
    assert "每学期开学前" in html  # WATER
    # the source as a citation, never a seed file number alone
    assert "《上海市普陀区教育局关于印发〈2024年普陀区教育系统安全工作要点〉的通知》" in html
    assert "普教一科" in html
    assert 'data-testid="frozen"' in html
    assert reverse("duties:duty_edit", args=[cat["published"].duties.first().pk]) not in html


def test_version_pages_query_counts(world, cat, client_for, django_assert_max_num_queries):
    client = client_for(world.users[Role.SAFETY_CENTRE])
    for i in range(10):
        duty(cat["draft"], f"X{i}", f"第{i}项", "weekly", owed_by_departments=[world.department])
    with django_assert_max_num_queries(20):
        assert (
            client.get(reverse("duties:version_detail", args=[cat["draft"].pk])).status_code == 200
        )
    with django_assert_max_num_queries(15):
        assert client.get(reverse("duties:version_list")).status_code == 200


def test_draft_edit_and_publish(world, client_for):
    published = small_duty_catalog(world.bureau, world.department)
    client = client_for(world.users[Role.SAFETY_CENTRE])
    response = client.post(reverse("duties:version_draft"), {"bureau": world.bureau.pk})
    draft = DutyCatalogVersion.objects.get(bureau=world.bureau, status="draft")
    assert response.status_code == 302 and response["Location"] == draft.get_absolute_url()
    assert draft.number == 2 and draft.duties.count() == published.duties.count() == 7
    # a second draft is refused
    response = client.post(
        reverse("duties:version_draft"), {"bureau": world.bureau.pk}, follow=True
    )
    assert "已有草稿" in " ".join(_messages(response))
    assert DutyCatalogVersion.objects.filter(bureau=world.bureau).count() == 2

    response = client.post(
        reverse("duties:duty_new", args=[draft.pk]),
        {
            "code": "GUARD",
            "name": "保安专业培训和演练",
            "category": "training",
            "frequency": "1/year",
            "window_days": "0",
            "grace_days": "10",
            "owed_by_schools": "on",
            "stages": ["primary", "junior"],
            "evidence": ["photo", "signin"],
            "figures": ["participants"],
            "departments": [world.department.pk],
            "overseeing_department": world.department.pk,
            "source": "001 §二(二)",
            "sort_order": "8",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "已保存 GUARD 保安专业培训和演练：每年1次。" in _messages(response)
    guard = Duty.objects.get(version=draft, code="GUARD")
    assert guard.evidence == ["photo", "signin"] and guard.stages == ["primary", "junior"]
    assert list(guard.owed_by_departments.all()) == [world.department]

    drill = Duty.objects.get(version=draft, code="DRILL")
    response = client.post(
        reverse("duties:duty_edit", args=[drill.pk]),
        {
            "code": "DRILL",
            "name": "应急疏散演练（每月）",
            "category": "drill",
            "frequency": "monthly",
            "window_days": "0",
            "grace_days": "3",
            "owed_by_schools": "on",
            "evidence": ["photo"],
            "overseeing_department": world.department.pk,
            "sort_order": "1",
        },
    )
    assert response.status_code == 302
    drill.refresh_from_db()
    assert (drill.name, drill.grace_days, drill.evidence) == ("应急疏散演练（每月）", 3, ["photo"])
    # the published version kept its own copy
    assert Duty.objects.get(version=published, code="DRILL").grace_days == 5

    client.post(
        reverse("duties:duty_delete", args=[Duty.objects.get(version=draft, code="BOARD").pk])
    )
    assert not Duty.objects.filter(version=draft, code="BOARD").exists()

    response = client.post(reverse("duties:version_publish", args=[draft.pk]), follow=True)
    draft.refresh_from_db()
    assert draft.status == "published" and draft.published_by == world.users[Role.SAFETY_CENTRE]
    html = client.get(reverse("duties:version_list")).content.decode()
    effective = [r for r in html.split("<tr>") if 'data-testid="effective"' in r]
    assert len(effective) == 1 and f"/duties/catalog/{draft.pk}/" in effective[0]


def test_publish_refused_shows_why(world, client_for):
    draft = DutyCatalogVersion.objects.create(bureau=world.bureau, number=1, title="清单")
    duty(draft, "ORPHAN", "无人承担的工作", "monthly", owed_by_schools=False)
    client = client_for(world.users[Role.SAFETY_CENTRE])
    response = client.post(reverse("duties:version_publish", args=[draft.pk]), follow=True)
    text = " ".join(_messages(response))
    assert "ORPHAN 无人承担的工作" in text and "未发布" in text
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_a_published_version_is_frozen(world, cat, client_for):
    client = client_for(world.users[Role.SAFETY_CENTRE])
    published = cat["published"]
    drill = Duty.objects.get(version=published, code="DRILL")
    before = (drill.name, drill.frequency)
    for url in (
        reverse("duties:duty_edit", args=[drill.pk]),
        reverse("duties:duty_new", args=[published.pk]),
    ):
        response = client.post(url, {"code": "DRILL", "name": "改名", "frequency": "weekly"})
        assert response.status_code == 302 and response["Location"] == published.get_absolute_url()
    response = client.post(reverse("duties:duty_delete", args=[drill.pk]), follow=True)
    assert "已发布的版本不可更改" in " ".join(_messages(response))
    response = client.post(reverse("duties:version_publish", args=[published.pk]), follow=True)
    drill.refresh_from_db()
    assert (drill.name, drill.frequency) == before
    assert published.duties.count() == 7


@pytest.mark.parametrize(
    "text,message",
    [
        ("every fortnight", "不是有效的频次规则"),
        ("2/fortnight", "“fortnight”不是周期"),
        ("on 02-30", "不是有效日期"),
        ("0/month", "次数须在1到366之间"),
        ("", "必填"),
    ],
)
def test_a_rule_that_does_not_parse_is_refused(world, cat, client_for, text, message):
    client = client_for(world.users[Role.SAFETY_CENTRE])
    response = client.post(
        reverse("duties:duty_new", args=[cat["draft"].pk]),
        {
            "code": "NEW",
            "name": "新工作",
            "category": "other",
            "frequency": text,
            "window_days": "0",
            "grace_days": "0",
            "owed_by_schools": "on",
            "sort_order": "0",
        },
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert message in " ".join(errors.get("frequency", [])) or message in " ".join(
        errors.get("__all__", [])
    ), errors
    assert not Duty.objects.filter(code="NEW").exists()


@pytest.mark.parametrize(
    "text,shown",
    [
        ("monthly", "每月1次"),
        ("4/year", "每年至少4次"),
        ("on 05-12", "每年5月12日"),
        ("before-term", "每学期开学前"),
        ("schooldays", "每个上课日"),
    ],
)
def test_rule_check_describes_the_rule(world, client_for, text, shown):
    client = client_for(world.users[Role.SAFETY_CENTRE])
    response = client.get(reverse("duties:rule_check"), {"frequency": text})
    assert 'data-testid="rule-ok"' in response.content.decode()
    assert shown in response.content.decode()


def test_rule_check_says_why_a_rule_does_not_parse(world, client_for):
    client = client_for(world.users[Role.SAFETY_CENTRE])
    response = client.get(reverse("duties:rule_check"), {"frequency": "on 13-01"})
    html = response.content.decode()
    assert 'data-testid="rule-error"' in html and "不是有效日期" in html


def test_a_duplicate_code_is_refused_on_the_form(world, cat, client_for):
    client = client_for(world.users[Role.SAFETY_CENTRE])
    response = client.post(
        reverse("duties:duty_new", args=[cat["draft"].pk]),
        {
            "code": "DRILL",
            "name": "重复",
            "category": "other",
            "frequency": "weekly",
            "window_days": "0",
            "grace_days": "0",
            "owed_by_schools": "on",
            "sort_order": "0",
        },
    )
    assert response.status_code == 400
    assert cat["draft"].duties.filter(code="DRILL").count() == 1
