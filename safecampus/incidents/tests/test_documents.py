"""The Word documents of incidents: 快报 / 续报（第N次） / 终报 of one incident and the monthly
summary, in the 公文 layout; a restricted case's document reached only by the people named on
it (every attempt audited) and never holding its private details; the summary counting
restricted cases and listing none."""

from __future__ import annotations

import datetime
import io
from urllib.parse import unquote

import pytest
from django.urls import reverse
from docx import Document as open_docx

from safecampus.audit.models import Action, AuditEvent
from safecampus.core.roles import Role
from safecampus.core.testing_documents import assert_gongwen, docx_text
from safecampus.incidents import documents, services
from safecampus.incidents.choices import IncidentAction, IncidentType, Severity
from safecampus.incidents.testing import designate, report, second_centre_officer

pytestmark = pytest.mark.dates

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
NOW = datetime.datetime(2027, 3, 1, 9, 0, tzinfo=SHANGHAI)
LATER = datetime.datetime(2027, 4, 2, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def school(world):
    return world.users[Role.SCHOOL_OFFICER]


def _act(actor, incident, action, at, **data):
    return services.incident_act(
        actor=actor, incident_id=incident.pk, action=action, data=data, now=at
    )


def _download(client, url, status=200):
    r = client.get(url)
    assert r.status_code == status, r.content[:300]
    return r


def _filename(response) -> str:
    return unquote(response["Content-Disposition"].split("filename*=UTF-8''")[1])


def test_first_report_is_a_gongwen(world, school):
    incident = report(school, world.school_a, now=NOW, minutes_after=20)
    content, name = documents.incident_document(incident, kind="initial", now=NOW)
    assert name == "甲小学-事件快报-学生课间摔伤-2027年3月1日.docx"
    doc = assert_gongwen(content, title="事件快报", date="二〇二七年三月一日", headings=5)
    text = docx_text(doc)
    for line in (
        "报送单位：甲小学",
        "报送时间：2027年3月1日 09:00",
        "事件类型：伤害事故",
        "事件等级：一般（Ⅳ级）",
        "发生时间：2027年3月1日 08:40",
        "发生地点：操场",
        "知悉时间：2027年3月1日 08:40",
        "课间一名学生在操场跑动时摔倒，右臂擦伤。",
        "校医现场处置，已通知家长。",
        "涉及学生1人，涉及教职工0人，受伤1人，死亡0人。",
        "首报按时（口头报告时限2027年3月1日 09:10，书面报告时限2027年3月1日 09:40）。",
        "报送人：",
        "联系电话：____________________",
        "闵行区教育局：",
    ):
        assert line in text, line
    assert "（学校安全员）" in text
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings == [
        "一、基本信息",
        "二、基本情况",
        "三、已采取措施",
        "四、涉及人数",
        "五、报送时效",
    ]
    assert "三同步" not in text  # a general incident has no checklist


def test_a_late_first_report_says_by_how_many_minutes(world, school):
    incident = report(school, world.school_a, now=NOW, minutes_after=45)
    content, _name = documents.incident_document(incident, kind="initial", now=NOW)
    assert "首报迟报15分钟" in docx_text(open_docx(io.BytesIO(content)))


def test_follow_ups_pick_the_nth_and_say_what_changed(world, school, client_for):
    incident = report(school, world.school_a, now=NOW, minutes_after=10)
    _act(
        school,
        incident,
        IncidentAction.FOLLOW_UP,
        NOW + datetime.timedelta(hours=1),
        note="学生已送医检查。",
    )
    _act(
        school,
        incident,
        IncidentAction.FOLLOW_UP,
        NOW + datetime.timedelta(hours=3),
        note="检查发现另一名学生也受轻伤。",
        injured=2,
        affected_students=2,
        measures="两名学生均已回家休息。",
    )
    client = client_for(world.users[Role.SAFETY_CENTRE])
    url = reverse("incidents:incident_document", args=[incident.pk, "follow_up"])

    r = _download(client, url + "?n=2")
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    assert _filename(r) == "甲小学-事件续报（第2次）-学生课间摔伤-2027年3月1日.docx"
    doc = assert_gongwen(r.content, title="事件续报（第2次）", date="二〇二七年三月一日")
    text = docx_text(doc)
    assert "检查发现另一名学生也受轻伤。" in text
    assert "主要变化：涉及学生人数由1人变为2人；受伤人数由1人变为2人。" in text
    assert "涉及学生2人，涉及教职工0人，受伤2人，死亡0人。" in text
    assert "两名学生均已回家休息。" in text
    assert "报送时间：2027年3月1日 12:00" in text

    first = assert_gongwen(_download(client, url + "?n=1").content, title="事件续报（第1次）")
    assert "学生已送医检查。" in docx_text(first) and "主要变化" not in docx_text(first)
    latest = _download(client, url)  # the latest by default
    assert "（第2次）" in _filename(latest)
    _download(client, url + "?n=3", status=404)
    _download(client, url + "?n=x", status=404)
    _download(client, reverse("incidents:incident_document", args=[incident.pk, "final"]), 404)
    _download(client, reverse("incidents:incident_document", args=[incident.pk, "verbal"]), 404)


def test_closing_report_carries_the_accident_handling_and_the_sync_ticks(world, school):
    incident = report(school, world.school_a, now=NOW, severity=Severity.LARGER)
    centre = world.users[Role.SAFETY_CENTRE]
    step = NOW + datetime.timedelta(hours=1)
    _act(school, incident, IncidentAction.SYNC, step, item="report", note="已同步上报")
    _act(school, incident, IncidentAction.RESPONSIBILITY, step, value="partly", note="监护不到位")
    _act(school, incident, IncidentAction.INSURANCE, step, value="paid", amount="3000")
    _act(
        centre,
        incident,
        IncidentAction.MEDIATION,
        step,
        kind="peoples",
        value="agreed",
        amount="5000",
        note="双方签订调解协议",
    )
    closed = _act(
        school,
        incident,
        IncidentAction.CLOSE,
        NOW + datetime.timedelta(days=2),
        note="学生康复返校，事件处置完毕。",
    )
    content, name = documents.incident_document(closed, kind="final", now=LATER)
    assert name == "甲小学-事件终报-学生课间摔伤-2027年3月3日.docx"
    doc = assert_gongwen(content, title="事件终报", date="二〇二七年三月三日")
    text = docx_text(doc)
    assert "学生康复返校，事件处置完毕。" in text
    assert "2027年3月1日，责任认定：学校承担部分责任（监护不到位）。" in text
    assert "2027年3月1日，校方责任险：已赔付，金额3000" in text
    assert "人民调解：达成协议，金额5000" in text and "双方签订调解协议" in text
    assert "☑同步报告（2027年3月1日 10:00）" in text
    assert "☐同步处置" in text and "☐同步回应舆情" in text
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert "三、处置结果" in headings and "六、事故处理" in headings
    assert "七、“三同步”落实情况" in headings


@pytest.fixture
def restricted(world, school):
    named = world.users[Role.SAFETY_CENTRE]
    designate(world, named)
    incident = report(
        school,
        world.school_a,
        now=NOW,
        incident_type=IncidentType.BULLYING,
        title="学生欺凌",
        private_details="涉事学生张小明、李小红",
    )
    _act(
        school,
        incident,
        IncidentAction.RESPONSIBILITY,
        NOW + datetime.timedelta(hours=1),
        value="pending",
        note="张小明家长要求赔偿",
    )
    return incident


def test_restricted_document_for_the_named_without_private_details(world, restricted, client_for):
    before = AuditEvent.objects.count()
    named = world.users[Role.SAFETY_CENTRE]
    url = reverse("incidents:incident_document", args=[restricted.pk, "initial"])
    r = _download(client_for(named), url)
    assert _filename(r) == "甲小学-事件快报-受限案件-2027年3月1日.docx"
    text = docx_text(assert_gongwen(r.content, title="事件快报"))
    assert "张小明" not in text and "李小红" not in text
    assert documents.PRIVACY_LINE in text
    event = AuditEvent.objects.order_by("pk")[before:].get()
    assert event.action == Action.RESTRICTED_READ and event.data == {"what": "document"}
    # a follow-up after the responsibility determination: the event, without its note
    _act(
        named,
        restricted,
        IncidentAction.FOLLOW_UP,
        NOW + datetime.timedelta(hours=2),
        note="已约谈双方家长。",
    )
    r = _download(client_for(named), url.replace("initial", "follow_up"))
    text = docx_text(assert_gongwen(r.content, title="事件续报（第1次）"))
    assert "2027年3月1日，责任认定：责任认定中。" in text
    assert "张小明" not in text and documents.PRIVACY_LINE in text


@pytest.mark.parametrize("who", ["centre2", Role.LEADERSHIP, Role.PRINCIPAL, Role.INSPECTOR])
def test_restricted_document_is_404_for_the_others_and_audited(world, restricted, client_for, who):
    before = AuditEvent.objects.count()
    user = second_centre_officer(world) if who == "centre2" else world.users[who]
    url = reverse("incidents:incident_document", args=[restricted.pk, "initial"])
    _download(client_for(user), url, status=404)
    event = AuditEvent.objects.order_by("pk")[before:].get()
    assert event.action == Action.RESTRICTED_DENIED and event.actor_id == user.pk
    assert "欺凌" not in event.target_repr


def test_document_scope(world, school, client_for):
    from safecampus.core.testing import user_with_role

    incident = report(school, world.school_a, now=NOW)
    url = reverse("incidents:incident_document", args=[incident.pk, "initial"])
    outsider = user_with_role(Role.SAFETY_CENTRE, world.other_bureau, username="xh_centre")
    _download(client_for(outsider), url, status=404)
    other_school = user_with_role(Role.SCHOOL_OFFICER, world.school_b, username="school_b")
    _download(client_for(other_school), url, status=404)
    for role in (Role.PRINCIPAL, Role.DEPARTMENT_OFFICER, Role.LEADERSHIP, Role.INSPECTOR):
        if role == Role.DEPARTMENT_OFFICER:
            continue  # not routed to the department: out of its scope
        _download(client_for(world.users[role]), url)
    _download(client_for(world.users[Role.PARTNER]), url, status=404)
    _download(client_for(world.users[Role.SAFETY_CENTRE]), url.replace("initial", "x"), 404)


# --- the monthly summary -----------------------------------------------------------------------


def _month_world(world, school):
    centre = world.users[Role.SAFETY_CENTRE]
    designate(world, centre)
    report(school, world.school_a, now=NOW, title="学生课间摔伤")
    report(
        school,
        world.school_a,
        now=NOW + datetime.timedelta(days=1),
        minutes_after=45,
        title="实验室起火",
        incident_type=IncidentType.FIRE,
        severity=Severity.LARGER,
    )
    report(
        school,
        world.school_a,
        now=NOW + datetime.timedelta(days=2),
        incident_type=IncidentType.BULLYING,
        severity=Severity.LARGER,
        title="严重欺凌事件",
    )
    report(
        centre,
        world.school_b,
        now=NOW + datetime.timedelta(days=3),
        title="乙园食物中毒",
        incident_type=IncidentType.FOOD_POISONING,
        severity=Severity.MAJOR,
    )
    # another month and another bureau: not counted
    report(school, world.school_a, now=NOW - datetime.timedelta(days=3), title="二月事件")
    return centre


def test_monthly_summary_counts_restricted_cases_and_lists_none(
    world, school, client_for, clock, django_assert_max_num_queries
):
    centre = _month_world(world, school)
    clock.move_to(LATER)
    client = client_for(centre)
    url = reverse("incidents:monthly_summary") + "?month=2027-03"
    client.get(url)
    with django_assert_max_num_queries(25):
        r = _download(client, url)
    assert _filename(r) == "闵行区教育局2027年3月校园突发事件情况汇总.docx"
    title = "闵行区教育局2027年3月校园突发事件情况汇总"
    doc = assert_gongwen(r.content, title=title, date="二〇二七年四月二日", headings=4)
    text = docx_text(doc)
    assert "共报送校园突发事件3起" in text and "较大及以上事件2起" in text
    assert "首报按时率66.7%（按时2起，迟报1起）" in text
    assert "另有受限案件1起，按规定不列明细，未计入上述统计。" in text
    assert "严重欺凌事件" not in text and "二月事件" not in text
    table = doc.tables[0]
    rows = [[c.text for c in row.cells] for row in table.rows]
    assert rows[0] == ["事件类型", "一般", "较大", "重大", "特别重大", "合计"]
    assert ["伤害事故", "1", "0", "0", "0", "1"] in rows
    assert not any(r[0] == "学生欺凌" for r in rows)  # restricted: the count above, no row
    assert rows[-1] == ["合计", "1", "1", "1", "0", "3"]
    serious = [[c.text for c in row.cells] for row in doc.tables[1].rows][1:]
    assert [r[1] for r in serious] == ["乙园食物中毒", "实验室起火"]
    assert "尚未化解0件" in text
    export = AuditEvent.objects.filter(action=Action.EXPORT).last()
    assert export.actor_id == centre.pk
    assert export.data == {"kind": "incidents.summary", "month": "2027-03"}


def test_monthly_summary_page_and_scope(world, school, client_for, clock):
    from safecampus.core.testing import user_with_role

    clock.move_to(LATER)
    url = reverse("incidents:monthly_summary")
    centre = client_for(world.users[Role.SAFETY_CENTRE])
    page = _download(centre, url)
    assert b'data-testid="monthly-summary-form"' in page.content and b"2027-03" in page.content
    _download(centre, url + "?month=2027-13", status=400)
    _download(centre, url + "?month=2027-05", status=400)  # a month still to come
    _download(client_for(school), url + "?month=2027-03", status=403)
    outsider = user_with_role(Role.SAFETY_CENTRE, world.other_bureau, username="xh_centre")
    _download(client_for(outsider), url + f"?month=2027-03&bureau={world.bureau.pk}", 404)
    for role in (Role.LEADERSHIP, Role.INSPECTOR, Role.DEPARTMENT_OFFICER):
        _download(client_for(world.users[role]), url + "?month=2027-03")


def test_a_follow_up_says_how_many_daily_follow_ups_were_missed(world, school):
    incident = report(
        school, world.school_a, now=NOW, incident_type=IncidentType.FOOD_POISONING, title="食物中毒"
    )
    _act(
        school,
        incident,
        IncidentAction.FOLLOW_UP,
        NOW + datetime.timedelta(days=2, hours=1),
        note="患病学生均已康复。",
    )
    content, _name = documents.incident_document(incident, kind="follow_up", now=LATER)
    text = docx_text(open_docx(io.BytesIO(content)))
    # due by 17:00 on 3/2 (missed); this one, filed 3/3 10:00, meets 3/3's deadline
    assert "本次报告按时（时限2027年3月3日 17:00）；此前应报未报续报1次。" in text


def test_the_document_reads_a_fixed_number_of_queries(
    world, school, client_for, django_assert_max_num_queries
):
    incident = report(school, world.school_a, now=NOW)
    for hours in range(1, 6):
        _act(
            school,
            incident,
            IncidentAction.FOLLOW_UP,
            NOW + datetime.timedelta(hours=hours),
            note=f"第{hours}次续报",
        )
    client = client_for(world.users[Role.SAFETY_CENTRE])
    url = reverse("incidents:incident_document", args=[incident.pk, "follow_up"]) + "?n=3"
    client.get(url)
    with django_assert_max_num_queries(12):
        assert "第3次续报" in docx_text(open_docx(io.BytesIO(_download(client, url).content)))


def test_a_late_closing_report_says_by_how_many_minutes(world, school):
    from safecampus.incidents.models import ReportingLimit

    ReportingLimit.objects.create(
        bureau=world.bureau, verbal_minutes=30, written_minutes=60, final_within_days=1
    )
    incident = report(school, world.school_a, now=NOW, minutes_after=10)
    closed = _act(
        school,
        incident,
        IncidentAction.CLOSE,
        NOW + datetime.timedelta(days=1, hours=1),
        note="处置完毕。",
    )
    content, name = documents.incident_document(closed, kind="final", now=LATER)
    text = docx_text(open_docx(io.BytesIO(content)))
    # known at 08:50, the closing report due a day later, filed at 10:00
    assert "本次报告迟报70分钟（时限2027年3月2日 08:50）。" in text
    assert "无责任认定、保险理赔或调解事项。" in text
    assert name.endswith("-2027年3月2日.docx")
