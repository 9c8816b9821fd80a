"""The work plan pages: list, detail with progress, new from the template, task edit, publish,
Word and Excel; each against the scope matrix."""

import io
import re
import zipfile

import pytest
from django.urls import reverse
from docx import Document as read_docx
from openpyxl import load_workbook

from safecampus.core.roles import Role
from safecampus.core.testing import scope_matrix, user_with_role
from safecampus.duties import workplan
from safecampus.duties.models import WorkPlan


@pytest.fixture
def pw(world, clock):
    """The world with a draft 2026 plan and the other bureau's centre."""
    world.plan = workplan.plan_from_template(
        actor=world.users[Role.SAFETY_CENTRE], bureau=world.bureau, year=clock.today.year
    ).plan
    world.other_centre = user_with_role(Role.SAFETY_CENTRE, world.other_bureau)
    return world


def _wrong_roles(w):
    return [w.users[r] for r in (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR)]


def _readers(w):
    return [w.users[r] for r in (Role.LEADERSHIP, Role.DEPARTMENT_OFFICER, Role.SCHOOL_OFFICER)]


def test_read_pages_answer_the_scope_matrix(pw, client):
    for name in ("plan_detail", "plan_docx", "plan_xlsx"):
        url = reverse(f"duties:{name}", args=[pw.plan.pk])
        scope_matrix(
            client,
            url,
            permitted=pw.users[Role.SCHOOL_OFFICER],
            out_of_scope=[pw.other_centre],
            wrong_role=_wrong_roles(pw),
        )
    scope_matrix(
        client,
        reverse("duties:plan_list"),
        permitted=pw.users[Role.PARTNER],
        wrong_role=_wrong_roles(pw),
    )


def test_edit_pages_answer_the_scope_matrix(pw, client):
    task = pw.plan.tasks.get(sort_order=1)
    scope_matrix(
        client,
        reverse("duties:task_edit", args=[task.pk]),
        permitted=pw.users[Role.SAFETY_CENTRE],
        out_of_scope=[pw.other_centre],
        wrong_role=[*_wrong_roles(pw), *_readers(pw)],
    )
    scope_matrix(
        client,
        reverse("duties:plan_new"),
        permitted=pw.users[Role.SAFETY_CENTRE],
        wrong_role=[*_wrong_roles(pw), *_readers(pw)],
    )
    scope_matrix(
        client,
        reverse("duties:plan_publish", args=[pw.plan.pk]),
        method="post",
        data={},
        permitted=pw.users[Role.SAFETY_CENTRE],
        out_of_scope=[pw.other_centre],
        wrong_role=[*_wrong_roles(pw), *_readers(pw)],
    )
    pw.plan.refresh_from_db()
    assert not pw.plan.is_draft


def test_the_list_shows_each_plan_in_few_queries(pw, client_for, django_assert_max_num_queries):
    workplan.plan_from_template(actor=None, bureau=pw.bureau, year=pw.plan.year + 1)
    workplan.plan_from_template(actor=None, bureau=pw.other_bureau, year=pw.plan.year)
    client = client_for(pw.users[Role.SAFETY_CENTRE])
    with django_assert_max_num_queries(10):
        response = client.get(reverse("duties:plan_list"))
    body = response.content.decode()
    assert len(re.findall(r'href="/duties/plans/\d+/"', body)) == 2
    assert 'data-testid="plan-new"' in body


@pytest.mark.dates
def test_detail_shows_the_table_by_quarter_then_progress(
    pw, client_for, django_assert_max_num_queries
):
    client = client_for(pw.users[Role.SAFETY_CENTRE])
    body = client.get(reverse("duties:plan_detail", args=[pw.plan.pk])).content.decode()
    assert "(1) 做好学校元旦、春节放假期间安全维稳工作" in body
    assert "task-progress" not in body and "plan-publish" in body
    response = client.post(reverse("duties:plan_publish", args=[pw.plan.pk]))
    assert response.status_code == 302
    with django_assert_max_num_queries(12):
        body = client.get(reverse("duties:plan_detail", args=[pw.plan.pk])).content.decode()
    assert "task-progress" in body and "plan-publish" not in body
    assert 'data-testid="quarter-progress-1"' in body


def test_new_from_the_template_and_a_bad_year(pw, client_for):
    client = client_for(pw.users[Role.SAFETY_CENTRE])
    year = pw.plan.year + 1
    response = client.post(reverse("duties:plan_new"), {"bureau": pw.bureau.pk, "year": year})
    plan = WorkPlan.objects.get(bureau=pw.bureau, year=year)
    assert response.status_code == 302 and response["Location"] == plan.get_absolute_url()
    assert plan.tasks.count() == 41
    again = client.post(reverse("duties:plan_new"), {"bureau": pw.bureau.pk, "year": year})
    assert again.status_code == 400 and "已有" in again.content.decode()
    bad = client.post(reverse("duties:plan_new"), {"bureau": pw.other_bureau.pk, "year": 2030})
    assert bad.status_code == 400
    assert WorkPlan.objects.count() == 2


def test_task_edit_saves_and_refuses_in_chinese(pw, client_for):
    client = client_for(pw.users[Role.SAFETY_CENTRE])
    task = pw.plan.tasks.get(sort_order=2)
    url = reverse("duties:task_edit", args=[task.pk])
    data = {
        "name": "开展实验室安全专项治理",
        "quarter": "1",
        "deadline": f"{pw.plan.year}-02-28",
        "responsible_text": "督导安全中心、中小幼",
        "owed_by_centre": "on",
        "departments": [pw.department.pk],
    }
    assert client.post(url, data).status_code == 302
    task.refresh_from_db()
    assert task.name == "开展实验室安全专项治理"
    assert task.frequency == f"once {pw.plan.year}-01-01..{pw.plan.year}-02-28"
    bad = client.post(url, {**data, "deadline": f"{pw.plan.year + 1}-01-10"})
    assert bad.status_code == 400 and "截止日期须在" in bad.content.decode()
    nobody = client.post(url, {"name": "x", "quarter": "1"})
    assert nobody.status_code == 400
    task.refresh_from_db()
    assert task.name == "开展实验室安全专项治理"


def test_word_and_excel_hold_the_table(pw, client_for):
    client = client_for(pw.users[Role.SCHOOL_OFFICER])
    docx = client.get(reverse("duties:plan_docx", args=[pw.plan.pk]))
    assert docx.status_code == 200 and "attachment" in docx["Content-Disposition"]
    doc = read_docx(io.BytesIO(docx.content))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert f"关于印发《{pw.plan.year}年教育系统安全工作要点》任务分解表的通知" in text
    table = doc.tables[0]
    assert [c.text for c in table.rows[0].cells] == ["序号", "时间", "主要工作任务", "责任单位"]
    assert len(table.rows) == 42
    assert [c.text for c in table.rows[1].cells] == [
        "1",
        "第一季度",
        "(1) 做好学校元旦、春节放假期间安全维稳工作",
        "局安办、中小幼、其他单位",
    ]
    xlsx = client.get(reverse("duties:plan_xlsx", args=[pw.plan.pk]))
    assert xlsx.status_code == 200
    assert zipfile.is_zipfile(io.BytesIO(xlsx.content))
    ws = load_workbook(io.BytesIO(xlsx.content)).active
    rows = [r for r in ws.iter_rows(values_only=True) if r and r[0] is not None]
    header = next(
        i for i, r in enumerate(rows) if r[:4] == ("序号", "时间", "主要工作任务", "责任单位")
    )
    data = rows[header + 1 :]
    assert len(data) == 41
    assert data[0][:4] == (
        1,
        "第一季度",
        "(1) 做好学校元旦、春节放假期间安全维稳工作",
        "局安办、中小幼、其他单位",
    )
    assert data[12][1] == "第二季度" and data[13][1] in (None, "")


def test_bad_requests_get_a_4xx_and_change_nothing(pw, client_for):
    from safecampus.duties.loading import load_default_catalog

    client = client_for(pw.users[Role.SAFETY_CENTRE])
    assert (
        client.post(reverse("duties:plan_new"), {"bureau": pw.bureau.pk, "year": "abc"}).status_code
        == 400
    )
    # a duty of the catalog is no task of a plan
    duty = load_default_catalog(bureau=pw.bureau).version.duties.first()
    assert client.get(reverse("duties:task_edit", args=[duty.pk])).status_code == 404
    assert client.post(reverse("duties:plan_publish", args=[pw.plan.pk])).status_code == 302
    again = client.post(reverse("duties:plan_publish", args=[pw.plan.pk]))
    assert again.status_code == 400 and "只有草稿状态的计划才能印发" in again.content.decode()
    # a task of a published plan is no longer edited
    task = pw.plan.tasks.get(sort_order=1)
    response = client.post(
        reverse("duties:task_edit", args=[task.pk]), {"name": "x", "quarter": "2"}
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.quarter == 1 and task.name.startswith("(1) ")
    assert client.get(reverse("duties:plan_publish", args=[pw.plan.pk])).status_code == 405


def test_a_task_has_a_completion_deadline_not_a_rectification_one(pw, client_for):
    client = client_for(pw.users[Role.SAFETY_CENTRE])
    detail = client.get(reverse("duties:plan_detail", args=[pw.plan.pk])).content.decode()
    task = pw.plan.tasks.get(sort_order=2)
    edit = client.get(reverse("duties:task_edit", args=[task.pk])).content.decode()
    for body in (detail, edit):
        assert "完成时限" in body and "整改时限" not in body
