"""The findings pages: scope, raising one and many, no duplicate hazard, filters, export."""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from safecampus.core.roles import Role
from safecampus.core.testing import DepartmentFactory, count_queries, scope_matrix, user_with_role
from safecampus.hazards.choices import Source
from safecampus.hazards.models import Hazard
from safecampus.standards.choices import FindingAction, FindingStatus
from safecampus.standards.loading import ensure_policy
from safecampus.standards.models import Finding, FindingEvent
from safecampus.standards.testing import (
    compliant_gate,
    compliant_values,
    record_facts,
    standards_world,
)

pytestmark = pytest.mark.dates

NOW = timezone.make_aware(datetime.datetime(2026, 12, 1, 10))
INTERIM = {
    "interim_measures": "上放学时段由教师补位值守",
    "interim_unit": "甲小学",
    "interim_person": "王校长",
    "interim_deadline": "2026-12-31",
}
SHORT_VIDEO = compliant_values(video_days=15)
LIST = reverse("standards:finding_list")
BULK = reverse("standards:finding_raise_bulk")


@pytest.fixture
def fw(world, clock):
    """School A fails the video retention (general) and the barriers (major); school B the
    video retention; so does the other bureau's school (its findings go to the centre). The
    pages read the clock: it stands at ``NOW`` (the interim deadlines lie after it)."""
    clock.move_to("2026-12-01T10:00")
    standards_world(world)
    ensure_policy(world.other_bureau, ["shanghai", "gb29315"], "stricter")
    for school, gates in (
        (world.school_a, 2),
        (world.school_b, 1),
        (world.school_other, 1),
    ):
        school.gate_count = gates
        school.students = 800
        school.save()
    world.school_b_user = user_with_role(Role.SCHOOL_OFFICER, world.school_b, username="school_b")
    world.other_school_user = user_with_role(
        Role.SCHOOL_OFFICER, world.school_other, username="school_o"
    )
    world.other_centre = user_with_role(Role.SAFETY_CENTRE, world.other_bureau, username="o_c")
    record_facts(
        world.school_a,
        world.users[Role.SCHOOL_OFFICER],
        values=SHORT_VIDEO,
        gates=[compliant_gate(), compliant_gate(barrier=False)],
        now=NOW,
    )
    record_facts(world.school_b, world.school_b_user, values=SHORT_VIDEO, now=NOW)
    record_facts(world.school_other, world.other_school_user, values=SHORT_VIDEO, now=NOW)
    return world


def _finding(school, key):
    return Finding.objects.get(school=school, key=key, status=FindingStatus.OPEN)


def _ids(response):
    return {f.pk for f in response.context["page"].object_list}


def test_world_has_the_expected_findings(fw):
    assert _finding(fw.school_a, "video.days").level == "general"
    assert _finding(fw.school_a, "barriers").level == "major"
    assert _finding(fw.school_a, "video.days").department == fw.department
    assert _finding(fw.school_other, "video.days").department is None


# --- scope ----


def test_school_sees_only_its_own(fw, client):
    client.force_login(fw.users[Role.SCHOOL_OFFICER])
    response = client.get(LIST)
    assert response.status_code == 200
    assert _ids(response) == set(
        Finding.objects.filter(school=fw.school_a).values_list("pk", flat=True)
    )
    assert response.context["may_act"] is False
    assert b'name="ids"' not in response.content


def test_department_sees_only_its_findings(fw, client):
    client.force_login(fw.users[Role.DEPARTMENT_OFFICER])
    ids = _ids(client.get(LIST))
    assert ids == set(
        Finding.objects.filter(bureau=fw.bureau, department=fw.department).values_list(
            "pk", flat=True
        )
    )
    assert ids and _finding(fw.school_other, "video.days").pk not in ids
    other_dept = DepartmentFactory(bureau=fw.bureau, name="后勤科")
    client.force_login(user_with_role(Role.DEPARTMENT_OFFICER, other_dept, username="dept2"))
    assert _ids(client.get(LIST)) == set()


def test_leader_sees_the_bureau(fw, client):
    client.force_login(fw.users[Role.LEADERSHIP])
    assert _ids(client.get(LIST)) == set(
        Finding.objects.filter(bureau=fw.bureau).values_list("pk", flat=True)
    )


def test_detail_scope(fw, client):
    finding = _finding(fw.school_a, "video.days")
    url = reverse("standards:finding_detail", args=[finding.pk])
    scope_matrix(
        client,
        url,
        permitted=fw.users[Role.SCHOOL_OFFICER],
        out_of_scope=[fw.school_b_user, fw.other_centre, fw.other_school_user],
    )
    client.force_login(fw.users[Role.LEADERSHIP])
    response = client.get(url)
    assert response.context["may_raise"] is False
    assert f'href="/standards/schools/{fw.school_a.pk}/"'.encode() in response.content
    client.force_login(fw.users[Role.DEPARTMENT_OFFICER])
    assert client.get(url).context["may_raise"] is True


def test_raise_scope(fw, client):
    finding = _finding(fw.school_a, "video.days")
    url = reverse("standards:finding_raise", args=[finding.pk])
    scope_matrix(
        client,
        url,
        method="post",
        data={},
        permitted=fw.users[Role.DEPARTMENT_OFFICER],
        wrong_role=[fw.users[Role.LEADERSHIP], fw.users[Role.SCHOOL_OFFICER]],
        out_of_scope=[fw.other_centre, fw.school_b_user],
    )
    finding.refresh_from_db()
    assert finding.hazard is not None


def test_bulk_raise_scope(fw, client):
    finding = _finding(fw.school_a, "video.days")
    scope_matrix(
        client,
        BULK,
        method="post",
        data={"ids": [finding.pk]},
        permitted=fw.users[Role.DEPARTMENT_OFFICER],
        wrong_role=[fw.users[Role.LEADERSHIP], fw.users[Role.SCHOOL_OFFICER]],
        out_of_scope=[fw.other_centre],
    )
    finding.refresh_from_db()
    assert finding.hazard is not None


def test_export_scope(fw, client):
    url = reverse("standards:finding_xlsx")
    scope_matrix(client, url, permitted=fw.users[Role.SCHOOL_OFFICER])


# --- raising ----


def test_raise_one_then_refused_again(fw, client):
    finding = _finding(fw.school_a, "video.days")
    url = reverse("standards:finding_raise", args=[finding.pk])
    client.force_login(fw.users[Role.DEPARTMENT_OFFICER])
    response = client.post(url, follow=True)
    assert response.status_code == 200
    finding.refresh_from_db()
    assert finding.hazard.source == Source.RULE_FINDING
    assert finding.hazard.school == fw.school_a
    assert "已转为1条隐患（0条关联已有隐患）" in response.content.decode()
    assert finding.events.filter(action=FindingAction.RAISE_HAZARD).count() == 1
    hazards = Hazard.objects.count()
    again = client.post(url)
    assert again.status_code == 400
    assert "该核查问题已转为隐患" in again.content.decode() or again.context["raise_errors"]
    assert Hazard.objects.count() == hazards


def test_bulk_major_without_interim_is_refused(fw, client):
    ids = [_finding(fw.school_a, "video.days").pk, _finding(fw.school_a, "barriers").pk]
    client.force_login(fw.users[Role.DEPARTMENT_OFFICER])
    response = client.post(BULK, {"ids": ids})
    assert response.status_code == 400
    text = response.content.decode()
    assert (
        "临时安全管控措施、临时管控措施责任单位、临时管控措施责任人、临时管控措施落实时限：" in text
    )
    assert text.count("未能立即整改的重大隐患") == 1
    assert not Hazard.objects.exists()
    assert not Finding.objects.filter(hazard__isnull=False).exists()


def test_bulk_with_interim_raises_all(fw, client):
    ids = [_finding(fw.school_a, "video.days").pk, _finding(fw.school_a, "barriers").pk]
    client.force_login(fw.users[Role.DEPARTMENT_OFFICER])
    response = client.post(BULK, {"ids": ids, **INTERIM}, follow=True)
    assert response.status_code == 200
    assert "已转为2条隐患（0条关联已有隐患）" in response.content.decode()
    major = Finding.objects.get(pk=ids[1]).hazard
    assert major.level == "major" and major.interim_person == "王校长"
    assert Hazard.objects.count() == 2


def test_bulk_all_follows_the_filters(fw, client):
    client.force_login(fw.users[Role.SAFETY_CENTRE])
    response = client.post(BULK, {"all": "1", "q": "key=video.days"}, follow=True)
    assert response.status_code == 200
    raised = Finding.objects.filter(hazard__isnull=False)
    assert set(raised.values_list("school_id", flat=True)) == {fw.school_a.pk, fw.school_b.pk}
    assert set(raised.values_list("key", flat=True)) == {"video.days"}
    assert "已转为2条隐患" in response.content.decode()


def test_bulk_nothing_chosen_is_refused(fw, client):
    client.force_login(fw.users[Role.DEPARTMENT_OFFICER])
    response = client.post(BULK, {})
    assert response.status_code == 400
    assert "请至少选择一条" in response.content.decode()


@pytest.mark.parametrize("bad", ["99999999999999999999", "9223372036854775808", "-1", "²"])
def test_bulk_an_id_beyond_the_database_is_refused(fw, client, bad):
    finding = _finding(fw.school_a, "video.days")
    client.force_login(fw.users[Role.DEPARTMENT_OFFICER])
    response = client.post(BULK, {"ids": [finding.pk, bad]})
    assert response.status_code == 400
    assert "请从列表中选择" in response.content.decode()
    assert Finding.objects.get(pk=finding.pk).hazard_id is None


def test_raise_after_relapse_links_the_open_hazard(fw, client):
    school_user = fw.users[Role.SCHOOL_OFFICER]
    first = _finding(fw.school_a, "video.days")
    client.force_login(fw.users[Role.DEPARTMENT_OFFICER])
    client.post(reverse("standards:finding_raise", args=[first.pk]))
    first.refresh_from_db()
    hazard = first.hazard
    # the facts comply, then fail again: a new finding while the hazard is still open
    gates = [compliant_gate(), compliant_gate(barrier=False)]
    record_facts(fw.school_a, school_user, gates=gates, now=NOW + datetime.timedelta(days=1))
    first.refresh_from_db()
    assert first.status == FindingStatus.RESOLVED
    record_facts(
        fw.school_a,
        school_user,
        values=SHORT_VIDEO,
        gates=gates,
        now=NOW + datetime.timedelta(days=2),
    )
    second = _finding(fw.school_a, "video.days")
    assert second.pk != first.pk
    hazards = Hazard.objects.count()
    response = client.post(reverse("standards:finding_raise", args=[second.pk]), follow=True)
    second.refresh_from_db()
    assert second.hazard == hazard
    assert Hazard.objects.count() == hazards
    assert "已转为1条隐患（1条关联已有隐患）" in response.content.decode()
    assert FindingEvent.objects.filter(finding=second, action=FindingAction.LINK_HAZARD).exists()
    # the first finding's timeline shows it resolved and its hazard offered for acceptance
    page = client.get(reverse("standards:finding_detail", args=[first.pk])).content.decode()
    assert "已整改符合" in page and hazard.code in page


# --- the list ----


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {("A", "video.days"), ("A", "barriers"), ("B", "video.days")}),
        ("pillar=technical", {("A", "video.days"), ("B", "video.days")}),
        ("key=barriers", {("A", "barriers")}),
        ("level=major", {("A", "barriers")}),
        ("pillar=physical", {("A", "barriers")}),
        ("school=乙幼儿园", {("B", "video.days")}),
        ("status=resolved", set()),
        ("department=centre", set()),
        ("rule_set=gb29315", {("A", "barriers")}),
    ],
)
def test_list_filters(fw, client, query, expected):
    names = {fw.school_a.pk: "A", fw.school_b.pk: "B"}
    client.force_login(fw.users[Role.SAFETY_CENTRE])
    response = client.get(f"{LIST}?{query}")
    assert response.status_code == 200
    got = {(names[f.school_id], f.key) for f in response.context["page"].object_list}
    assert got == expected


def test_list_not_yet_a_hazard_and_school_code(fw, client):
    client.force_login(fw.users[Role.SAFETY_CENTRE])
    raised = _finding(fw.school_b, "video.days")
    client.post(reverse("standards:finding_raise", args=[raised.pk]))
    ids = _ids(client.get(f"{LIST}?no_hazard=on"))
    assert raised.pk not in ids and ids
    assert _ids(client.get(f"{LIST}?school={fw.school_b.code}")) == {raised.pk}
    row = client.get(f"{LIST}?school={fw.school_b.code}").content.decode()
    raised.refresh_from_db()
    assert reverse("hazards:hazard_detail", args=[raised.hazard_id]) in row


def test_bad_filter_is_400_in_chinese(fw, client):
    client.force_login(fw.users[Role.SAFETY_CENTRE])
    response = client.get(f"{LIST}?level=nonsense")
    assert response.status_code == 400
    assert "选择一个有效的选项" in response.content.decode()


def test_list_query_count_does_not_grow_with_rows(fw, client):
    client.force_login(fw.users[Role.SAFETY_CENTRE])
    few = count_queries(client, LIST)
    for school in (fw.school_b,):
        record_facts(
            school,
            fw.school_b_user,
            values=compliant_values(video_days=15, safety_teachers=0, food_trace_online=False),
            gates=[compliant_gate(guards_day=1, barrier=False, video=False)],
            now=NOW + datetime.timedelta(days=1),
        )
    assert Finding.objects.filter(bureau=fw.bureau).count() > 3
    assert count_queries(client, LIST) == few
    # a fixed number, whatever the rows: none per row
    assert few == 11


# --- export ----


def test_export_has_the_rows(fw, client):
    client.force_login(fw.users[Role.SAFETY_CENTRE])
    response = client.get(reverse("standards:finding_xlsx") + "?key=video.days")
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert "filename*=utf-8''" in disposition.lower()
    body = b"".join(response.streaming_content)
    ws = load_workbook(io.BytesIO(body)).active
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    header = next(i for i, r in enumerate(rows) if r[0] == "学校")
    data = [r for r in rows[header + 1 :] if r[0]]
    assert sorted(r[0] for r in data) == sorted([fw.school_a.name, fw.school_b.name])
    assert all(r[2] == _finding(fw.school_a, "video.days").title for r in data)
    required = {r[0]: r[4] for r in data}
    assert isinstance(required[fw.school_a.name], int)
    assert ws.page_setup.orientation == "landscape"


def test_detail_raise_of_a_major_finding_asks_for_interim_measures(fw, client):
    finding = _finding(fw.school_a, "barriers")
    client.force_login(fw.users[Role.DEPARTMENT_OFFICER])
    page = client.get(reverse("standards:finding_detail", args=[finding.pk])).content.decode()
    assert 'name="interim_person"' in page and "临时管控措施（仅重大隐患需填写）" in page
    url = reverse("standards:finding_raise", args=[finding.pk])
    refused = client.post(url, {"interim_deadline": "明天"})
    assert refused.status_code == 400
    assert not Hazard.objects.exists()
    response = client.post(url, INTERIM, follow=True)
    finding.refresh_from_db()
    assert finding.hazard.interim_unit == "甲小学"
    timeline = response.content.decode()
    assert "转为隐患" in timeline and finding.hazard.code in timeline
