"""The owner's pages (views/owner.py): a body's own duties, one occurrence with its forms, the
evidence served inside the scope; recording, excuses and oversight through the pages."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from safecampus.accountability.models import AccountabilityRecord
from safecampus.core.roles import Role
from safecampus.core.testing import PartnerUnitFactory, count_queries, scope_matrix, user_with_role
from safecampus.duties import services
from safecampus.duties.choices import DayKind, DutyCategory, Figure
from safecampus.duties.choices import OccurrenceStatus as S
from safecampus.duties.models import CalendarDay, DutyRecord, Occurrence
from safecampus.duties.testing import duty, school_year_terms, small_duty_catalog

pytestmark = pytest.mark.dates


def jpeg(name="drill.jpg", colour=(200, 30, 30)) -> SimpleUploadedFile:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buf, "JPEG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


def pdf_named_jpg() -> SimpleUploadedFile:
    body = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    return SimpleUploadedFile("drill.jpg", body, content_type="image/jpeg")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "media"},
        },
    }


@pytest.fixture
def dw(world, clock):
    """The world with the small duty catalog plus two duties without evidence (``FIRE``, a
    yearly fire drill, and ``MEETS``, a monthly meeting), terms around the clock's year, a
    health partner, and school B's officer."""
    version = small_duty_catalog(world.bureau, world.department)
    duty(
        version,
        "FIRE",
        "师生消防应急演练",
        "yearly",
        category=DutyCategory.DRILL,
        figures=[Figure.PARTICIPANTS, Figure.EVACUATION_SECONDS],
        overseeing_department=world.department,
        source="001 §二(二)",
    )
    duty(
        version,
        "MEETS",
        "学校安全工作例会",
        "monthly",
        category=DutyCategory.MEETING,
        figures=[Figure.PARTICIPANTS],
        overseeing_department=world.department,
        source="003 §1",
    )
    school_year_terms(world.bureau, clock.today.year)
    world.partner.kind = "health"
    world.partner.save()
    world.users["school_b"] = user_with_role(Role.SCHOOL_OFFICER, world.school_b, username="sb")
    world.today = clock.today
    world.now = clock.now
    return world


def current(school, code, today) -> Occurrence:
    """The occurrence of ``code`` at ``school`` whose window holds ``today``."""
    services.ensure_for_school(school, today=today)
    return Occurrence.objects.filter(
        school=school, code=code, window_start__lte=today, window_end__gte=today
    ).get()


def held_at(dw) -> str:
    """A moment an hour ago (within the current month's window), as the form sends it."""
    moment = timezone.localtime(dw.now) - datetime.timedelta(hours=1)
    if moment.date() != dw.today:
        moment = timezone.localtime(dw.now).replace(minute=0)
    return f"{moment:%Y-%m-%dT%H:%M}"


def drill_post(dw, **extra) -> dict:
    return {
        "occurred_at": held_at(dw),
        "scenario": "火灾疏散",
        "participants": "820",
        "evacuation_seconds": "185",
        "summary": "全校师生按路线疏散",
        **extra,
    }


# --- scope ----------------------------------------------------------------------------------


def test_my_scope(client, dw):
    scope_matrix(
        client,
        reverse("duties:my"),
        permitted=dw.users[Role.SCHOOL_OFFICER],
        wrong_role=[dw.users[Role.LEADERSHIP], dw.users[Role.AUDITOR]],
    )


def test_detail_and_actions_scope(client, dw):
    occ = current(dw.school_a, "DRILL", dw.today)
    school_b, dept = dw.users["school_b"], dw.users[Role.DEPARTMENT_OFFICER]
    officer = dw.users[Role.SCHOOL_OFFICER]
    scope_matrix(
        client,
        reverse("duties:occurrence_detail", args=[occ.pk]),
        permitted=officer,
        out_of_scope=[school_b, dw.users[Role.PARTNER]],
        wrong_role=[dw.users[Role.AUDITOR]],
    )
    scope_matrix(
        client,
        reverse("duties:occurrence_excuse", args=[occ.pk]),
        method="post",
        data={"reason": "校舍维修"},
        permitted=officer,
        out_of_scope=[school_b],
        # the department oversees the drill, it does not owe it
        wrong_role=[dept, dw.users[Role.LEADERSHIP]],
    )
    scope_matrix(
        client,
        reverse("duties:occurrence_decide", args=[occ.pk]),
        method="post",
        data={"decision": "accept", "comment": ""},
        permitted=dept,
        out_of_scope=[school_b],
        wrong_role=[officer, dw.users[Role.AUDITOR]],
    )
    assert Occurrence.objects.get(pk=occ.pk).status == S.EXCUSED


def test_record_scope(client, dw):
    occ = current(dw.school_a, "MEETS", dw.today)
    scope_matrix(
        client,
        reverse("duties:occurrence_record", args=[occ.pk]),
        method="post",
        data={"occurred_at": held_at(dw), "participants": "30"},
        permitted=dw.users[Role.SCHOOL_OFFICER],
        out_of_scope=[dw.users["school_b"], dw.users[Role.PARTNER]],
        wrong_role=[dw.users[Role.DEPARTMENT_OFFICER], dw.users[Role.LEADERSHIP]],
    )
    occ.refresh_from_db()
    assert occ.status == S.DONE and occ.records.count() == 1
    scope_matrix(
        client,
        reverse("duties:occurrence_not_credible", args=[occ.pk]),
        method="post",
        data={"reason": "照片与上月相同"},
        permitted=dw.users[Role.DEPARTMENT_OFFICER],
        out_of_scope=[dw.users["school_b"]],
        wrong_role=[dw.users[Role.SCHOOL_OFFICER], dw.users[Role.AUDITOR]],
    )
    occ.refresh_from_db()
    assert occ.status == S.DUE


def test_a_partner_sees_only_its_own(client, client_for, dw):
    services.generate(dw.bureau, today=dw.today)
    mine = Occurrence.objects.filter(partner=dw.partner).first()
    other_partner = PartnerUnitFactory(bureau=dw.bureau, name="另一卫生院", kind="health")
    services.generate(dw.bureau, today=dw.today)
    theirs = Occurrence.objects.filter(partner=other_partner).first()
    school = current(dw.school_a, "DRILL", dw.today)
    assert mine is not None and theirs is not None
    scope_matrix(
        client,
        reverse("duties:occurrence_detail", args=[mine.pk]),
        permitted=dw.users[Role.PARTNER],
        out_of_scope=[dw.users[Role.SCHOOL_OFFICER], dw.users["school_b"]],
    )
    partner = client_for(dw.users[Role.PARTNER])
    for occ in (theirs, school):
        assert partner.get(reverse("duties:occurrence_detail", args=[occ.pk])).status_code == 404
    page = partner.get(reverse("duties:my"))
    shown = [o for _k, _t, rows in page.context["panels"] for o in rows]
    assert all(o.partner_id == dw.partner.pk for o in shown)


def test_evidence_scope(client, dw):
    occ = current(dw.school_a, "DRILL", dw.today)
    rec = services.record(
        actor=dw.users[Role.SCHOOL_OFFICER],
        occurrence_id=occ.pk,
        data={"occurred_at": dw.now, "participants": 800, "evacuation_seconds": 180},
        files={"photo": [jpeg()], "signin": [jpeg("signin.jpg", (1, 2, 3))]},
        now=dw.now,
    )
    photo = rec.files.get(kind="photo")
    for name in ("duties:evidence", "duties:evidence_thumb"):
        url = reverse(name, args=[photo.pk])
        scope_matrix(
            client,
            url,
            permitted=dw.users[Role.DEPARTMENT_OFFICER],
            out_of_scope=[dw.users["school_b"], dw.users[Role.PARTNER]],
            wrong_role=[dw.users[Role.AUDITOR]],
        )
    client.force_login(dw.users[Role.SCHOOL_OFFICER])
    response = client.get(reverse("duties:evidence_thumb", args=[photo.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_import_and_export_scope(client, dw):
    scope_matrix(
        client,
        reverse("duties:record_import"),
        permitted=dw.users[Role.SCHOOL_OFFICER],
        wrong_role=[dw.users[Role.LEADERSHIP], dw.users[Role.AUDITOR]],
    )
    scope_matrix(
        client,
        reverse("duties:log_export") + f"?school={dw.school_a.pk}",
        permitted=dw.users[Role.SCHOOL_OFFICER],
        out_of_scope=[dw.users["school_b"]],
        wrong_role=[dw.users[Role.AUDITOR]],
    )


# --- my -------------------------------------------------------------------------------------


def test_my_lists_the_panels_with_counts(client_for, dw):
    officer = client_for(dw.users[Role.SCHOOL_OFFICER])
    page = officer.get(reverse("duties:my"))
    assert page.status_code == 200
    # the page made the school's occurrences itself (no daily job has run)
    drill = current(dw.school_a, "DRILL", dw.today)
    panels = {key: rows for key, _title, rows in page.context["panels"]}
    assert drill in panels["this_week"] or drill in panels["this_month"]
    assert drill.period_key.startswith(str(dw.today.year))
    html = page.content.decode()
    assert f"{dw.today.year}年{dw.today.month}月" in html
    assert reverse("duties:occurrence_detail", args=[drill.pk]) in html
    # September's drill was never recorded: overdue (unless the clock is past its 60 days)
    counts = page.context["counts"]
    assert counts["missed"] == len(panels["missed"])
    assert counts["this_week"] == len(panels["this_week"])
    assert counts["done_this_term"] == 0


def test_my_school_selector(client_for, dw):
    from safecampus.accounts.models import RoleAssignment

    user = dw.users[Role.SCHOOL_OFFICER]
    RoleAssignment.objects.create(user=user, role=Role.SCHOOL_OFFICER, school=dw.school_b)
    c = client_for(user)
    page = c.get(reverse("duties:my") + f"?school={dw.school_b.pk}")
    assert page.context["school"] == dw.school_b
    assert b'data-testid="school-selector"' in page.content
    shown = [o for _k, _t, rows in page.context["panels"] for o in rows]
    assert shown and all(o.school_id == dw.school_b.pk for o in shown)


def test_my_query_count(client_for, dw):
    c = client_for(dw.users[Role.SCHOOL_OFFICER])
    # the scope, the school, ensure_for_school (one existence query per duty of the catalog:
    # 9 here), the four panels, the term's calendar and the done count
    assert count_queries(c, reverse("duties:my")) <= 24


def test_detail_query_count(client_for, dw):
    occ = current(dw.school_a, "DRILL", dw.today)
    services.record(
        actor=dw.users[Role.SCHOOL_OFFICER],
        occurrence_id=occ.pk,
        data={"occurred_at": dw.now, "participants": 800, "evacuation_seconds": 180},
        files={"photo": [jpeg(), jpeg("b.jpg", (0, 9, 9))], "signin": [jpeg("s.jpg", (1, 2, 3))]},
        now=dw.now,
    )
    url = reverse("duties:occurrence_detail", args=[occ.pk])
    assert count_queries(client_for(dw.users[Role.SCHOOL_OFFICER]), url) <= 8
    # the overseer: the reused photos and the calendar too
    assert count_queries(client_for(dw.users[Role.DEPARTMENT_OFFICER]), url) <= 13


# --- recording ------------------------------------------------------------------------------


def test_record_with_photos(client_for, dw):
    occ = current(dw.school_a, "DRILL", dw.today)
    c = client_for(dw.users[Role.SCHOOL_OFFICER])
    detail = c.get(reverse("duties:occurrence_detail", args=[occ.pk]))
    html = detail.content.decode()
    assert 'name="files_photo"' in html and 'capture="environment"' in html
    assert 'name="files_signin"' in html
    response = c.post(
        reverse("duties:occurrence_record", args=[occ.pk]),
        drill_post(dw, files_photo=[jpeg(), jpeg("b.jpg", (5, 5, 5))], files_signin=jpeg("s.jpg")),
    )
    assert response.status_code == 302
    occ.refresh_from_db()
    assert occ.status == S.DONE
    rec = occ.records.get()
    assert (rec.participants, rec.evacuation_seconds, rec.scenario) == (820, 185, "火灾疏散")
    assert sorted(rec.files.values_list("kind", flat=True)) == ["photo", "photo", "signin"]
    page = c.get(reverse("duties:occurrence_detail", args=[occ.pk])).content.decode()
    for ev in rec.files.all():
        assert reverse("duties:evidence_thumb", args=[ev.pk]) in page
    # done: the page now offers a correction (a new record that supersedes it)
    assert 'name="supersedes"' in page and f'value="{rec.pk}"' in page


def test_correct_a_record(client_for, dw):
    occ = current(dw.school_a, "MEETS", dw.today)
    c = client_for(dw.users[Role.SCHOOL_OFFICER])
    url = reverse("duties:occurrence_record", args=[occ.pk])
    assert c.post(url, {"occurred_at": held_at(dw), "participants": "30"}).status_code == 302
    first = occ.records.get()
    response = c.post(
        url, {"occurred_at": held_at(dw), "participants": "32", "supersedes": first.pk}
    )
    assert response.status_code == 302
    occ.refresh_from_db()
    assert occ.status == S.DONE and occ.recorded == 1
    assert list(occ.records.values_list("participants", "supersedes")) == [
        (30, None),
        (32, first.pk),
    ]


@pytest.mark.parametrize(
    "case",
    ["no_evidence", "pdf_named_jpg", "future", "no_figures"],
)
def test_a_bad_record_is_refused_and_nothing_saved(client_for, dw, case):
    occ = current(dw.school_a, "DRILL", dw.today)
    post = drill_post(dw, files_photo=jpeg(), files_signin=jpeg("s.jpg"))
    if case == "no_evidence":
        del post["files_photo"], post["files_signin"]
    elif case == "pdf_named_jpg":
        post["files_photo"] = pdf_named_jpg()
    elif case == "future":
        post["occurred_at"] = (
            f"{timezone.localtime(dw.now) + datetime.timedelta(days=1):%Y-%m-%dT%H:%M}"
        )
    elif case == "no_figures":
        post["participants"] = ""
    c = client_for(dw.users[Role.SCHOOL_OFFICER])
    response = c.post(reverse("duties:occurrence_record", args=[occ.pk]), post)
    assert response.status_code == 400
    form = response.context["record_form"]
    expected_field = {
        "no_evidence": "files_photo",
        "pdf_named_jpg": None,
        "future": "occurred_at",
        "no_figures": "participants",
    }[case]
    assert form.errors.get(expected_field or "__all__"), form.errors
    if case == "pdf_named_jpg":
        assert "drill.jpg" in " ".join(form.non_field_errors())
    occ.refresh_from_db()
    assert occ.status == S.DUE and occ.recorded == 0
    assert not DutyRecord.objects.filter(occurrence=occ).exists()


def test_a_record_after_the_grace_is_refused(client_for, dw):
    # a backfill: the school owes the months before today (it was put on record today)
    services.generate(dw.bureau, today=dw.today, since=dw.today - datetime.timedelta(days=90))
    old = (
        Occurrence.objects.filter(school=dw.school_a, code="MEETS", grace_end__lt=dw.today)
        .order_by("-window_start")
        .first()
    )
    c = client_for(dw.users[Role.SCHOOL_OFFICER])
    page = c.get(reverse("duties:occurrence_detail", args=[old.pk]))
    assert page.context["record_form"] is None and page.context["excuse_form"] is None
    assert page.context["occ"].effective_status(dw.today) == S.MISSED
    response = c.post(
        reverse("duties:occurrence_record", args=[old.pk]),
        {"occurred_at": f"{old.window_end:%Y-%m-%d}T10:00", "participants": "3"},
    )
    assert response.status_code == 400
    assert response.context["record_form"].errors["occurred_at"]
    assert b'data-testid="record-form"' in response.content
    assert not old.records.exists()


# --- excuses and oversight ------------------------------------------------------------------


def test_excuse_asked_refused_then_accepted(client_for, dw):
    occ = current(dw.school_a, "DRILL", dw.today)
    officer = client_for(dw.users[Role.SCHOOL_OFFICER])
    url = reverse("duties:occurrence_excuse", args=[occ.pk])
    response = officer.post(url, {"reason": "  "})
    assert response.status_code == 400 and response.context["excuse_form"].errors["reason"]
    assert Occurrence.objects.get(pk=occ.pk).status == S.DUE
    assert officer.post(url, {"reason": "校舍抗震加固施工"}).status_code == 302
    assert Occurrence.objects.get(pk=occ.pk).status == S.EXCUSE_REQUESTED

    dept = client_for(dw.users[Role.DEPARTMENT_OFFICER])
    page = dept.get(reverse("duties:occurrence_detail", args=[occ.pk]))
    assert b'data-testid="decide-form"' in page.content
    decide = reverse("duties:occurrence_decide", args=[occ.pk])
    # a refusal needs a reason
    response = dept.post(decide, {"decision": "refuse", "comment": ""})
    assert response.status_code == 400 and response.context["decide_form"].errors["comment"]
    assert Occurrence.objects.get(pk=occ.pk).status == S.EXCUSE_REQUESTED
    assert dept.post(decide, {"decision": "refuse", "comment": "施工不影响演练"}).status_code == 302
    occ.refresh_from_db()
    assert occ.status == S.DUE and occ.grace_end >= dw.today + datetime.timedelta(days=7)

    officer = client_for(dw.users[Role.SCHOOL_OFFICER])
    assert officer.post(url, {"reason": "全校停课"}).status_code == 302
    dept = client_for(dw.users[Role.DEPARTMENT_OFFICER])
    assert dept.post(decide, {"decision": "accept"}).status_code == 302
    occ.refresh_from_db()
    assert occ.status == S.EXCUSED
    assert list(occ.events.values_list("action", "actor__username")) == [
        ("ask_excuse", "school_a"),
        ("refuse_excuse", "dept"),
        ("ask_excuse", "school_a"),
        ("accept_excuse", "dept"),
    ]
    page = dept.get(reverse("duties:occurrence_detail", args=[occ.pk])).content.decode()
    assert "施工不影响演练" in page and "全校停课" in page


def test_not_credible_reopens_with_an_accountability_record(client_for, dw):
    occ = current(dw.school_a, "MEETS", dw.today)
    services.record(
        actor=dw.users[Role.SCHOOL_OFFICER],
        occurrence_id=occ.pk,
        data={"occurred_at": dw.now - datetime.timedelta(minutes=5), "participants": 12},
        now=dw.now,
    )
    dept = client_for(dw.users[Role.DEPARTMENT_OFFICER])
    url = reverse("duties:occurrence_not_credible", args=[occ.pk])
    response = dept.post(url, {"reason": ""})
    assert response.status_code == 400
    assert Occurrence.objects.get(pk=occ.pk).status == S.DONE
    before = AccountabilityRecord.objects.count()
    response = dept.post(url, {"reason": "会议记录系伪造", "open_accountability": "on"})
    assert response.status_code == 302
    occ.refresh_from_db()
    assert occ.status == S.DUE and occ.recorded == 0
    event = occ.events.get(action="not_credible")
    assert event.accountability_record_id is not None
    assert AccountabilityRecord.objects.count() == before + 1
    assert AccountabilityRecord.objects.get(pk=event.accountability_record_id).school == dw.school_a
    # the school records anew
    officer = client_for(dw.users[Role.SCHOOL_OFFICER])
    page = officer.get(reverse("duties:occurrence_detail", args=[occ.pk]))
    assert page.context["record_form"] is not None


def test_the_overseer_is_warned_of_a_reused_photo_and_a_holiday(client_for, dw):
    occ = current(dw.school_a, "DRILL", dw.today)
    CalendarDay.objects.create(
        bureau=dw.bureau, date=occ.window_start, kind=DayKind.HOLIDAY, name="测试假日"
    )
    held = timezone.make_aware(datetime.datetime.combine(occ.window_start, datetime.time(0, 30)))
    photo = jpeg("same.jpg", (9, 99, 199))
    services.generate(dw.bureau, today=dw.today, since=dw.today - datetime.timedelta(days=90))
    earlier = (
        Occurrence.objects.filter(school=dw.school_a, code="DRILL", window_end__lt=occ.window_start)
        .order_by("-window_start")
        .first()
    )
    officer = dw.users[Role.SCHOOL_OFFICER]
    then = timezone.make_aware(datetime.datetime.combine(earlier.window_end, datetime.time(12)))
    services.record(
        actor=officer,
        occurrence_id=earlier.pk,
        data={"occurred_at": then, "participants": 1, "evacuation_seconds": 1},
        files={"photo": [photo], "signin": [jpeg("s1.jpg", (1, 1, 1))]},
        now=then,
    )
    services.record(
        actor=officer,
        occurrence_id=occ.pk,
        data={"occurred_at": held, "participants": 1, "evacuation_seconds": 1},
        files={"photo": [jpeg("same.jpg", (9, 99, 199))], "signin": [jpeg("s2.jpg", (2, 2, 2))]},
        now=dw.now,
    )
    dept = client_for(dw.users[Role.DEPARTMENT_OFFICER])
    page = dept.get(reverse("duties:occurrence_detail", args=[occ.pk])).content.decode()
    assert page.count('data-testid="reused-photo"') == 1
    assert 'data-testid="calendar-warning"' in page and "测试假日" in page
    assert (
        b'data-testid="not-credible-form"'
        in dept.get(reverse("duties:occurrence_detail", args=[occ.pk])).content
    )
    # the school itself is not shown the overseer's warnings
    own = client_for(officer).get(reverse("duties:occurrence_detail", args=[occ.pk]))
    assert b'data-testid="reused-photo"' not in own.content


def test_the_detail_cites_the_basis_by_title_not_by_seed_file(client_for, dw):
    occ = current(dw.school_a, "MEETS", dw.today)
    body = (
        client_for(dw.users[Role.SCHOOL_OFFICER])
        .get(reverse("duties:occurrence_detail", args=[occ.pk]))
        .content.decode()
    )
    assert "教育系统安全工作要点" in body and "第1条" in body
    assert "003 §1" not in body


def test_an_overseer_is_not_offered_the_schools_own_forms(client_for, dw):
    occ = current(dw.school_a, "DRILL", dw.today)
    detail = reverse("duties:occurrence_detail", args=[occ.pk])
    for role in (Role.SAFETY_CENTRE, Role.DEPARTMENT_OFFICER):
        client = client_for(dw.users[role])
        body = client.get(detail).content.decode()
        assert 'data-testid="record-form"' not in body, role
        assert 'data-testid="excuse-form"' not in body, role
        # and what it would have sent is refused, nothing saved
        response = client.post(
            reverse("duties:occurrence_record", args=[occ.pk]),
            {**drill_post(dw), "photo": jpeg(), "sign_in_sheet": jpeg("sheet.jpg")},
        )
        assert response.status_code in (400, 403, 404), role
    assert not DutyRecord.objects.filter(occurrence=occ).exists()
    # the school still gets both
    body = client_for(dw.users[Role.SCHOOL_OFFICER]).get(detail).content.decode()
    assert 'data-testid="record-form"' in body and 'data-testid="excuse-form"' in body


def test_the_page_is_named_as_in_the_menu(client_for, dw):
    client = client_for(dw.users[Role.SCHOOL_OFFICER])
    body = client.get(reverse("duties:my")).content.decode()
    assert body.count("本单位常态化工作") >= 2  # the menu entry and the page's heading
    assert "我的常态化工作" not in body
    occ = current(dw.school_a, "DRILL", dw.today)
    detail = client.get(reverse("duties:occurrence_detail", args=[occ.pk])).content.decode()
    assert "我的常态化工作" not in detail


def test_the_panels_say_what_they_hold(client_for, dw):
    """The first panel holds every occurrence open now (a quarter's drill too), the second those
    whose window opens later this month: neither is "due this week"."""
    body = client_for(dw.users[Role.SCHOOL_OFFICER]).get(reverse("duties:my")).content.decode()
    assert "当前应完成" in body and "本月稍后开始" in body
    assert "本周应完成" not in body


def test_a_record_found_not_credible_says_so_and_the_overseer_goes_back_to_compliance(
    client_for, dw
):
    occ = current(dw.school_a, "MEETS", dw.today)
    officer = dw.users[Role.SCHOOL_OFFICER]
    data = {"occurred_at": dw.now - datetime.timedelta(minutes=30), "participants": 12}
    services.record(
        actor=officer, occurrence_id=occ.pk, data=data, now=dw.now - datetime.timedelta(minutes=20)
    )
    detail = reverse("duties:occurrence_detail", args=[occ.pk])
    dept = client_for(dw.users[Role.DEPARTMENT_OFFICER])
    body = dept.get(detail).content.decode()
    assert 'data-testid="not-credible"' not in body
    # the overseer's way back is the compliance page, not "our duties"
    crumbs = body.split('aria-label="breadcrumb"')[1].split("</nav>")[0]
    assert reverse("duties:compliance") in crumbs and reverse("duties:my") not in crumbs
    dept.post(reverse("duties:occurrence_not_credible", args=[occ.pk]), {"reason": "伪造"})
    assert dept.get(detail).content.decode().count('data-testid="not-credible"') == 1
    # the school records anew: only the old record is marked
    services.record(
        actor=officer, occurrence_id=occ.pk, data=data, now=dw.now + datetime.timedelta(minutes=5)
    )
    body = client_for(officer).get(detail).content.decode()
    assert body.count('data-testid="not-credible"') == 1
    assert body.count('data-testid="record"') == 2
    crumbs = body.split('aria-label="breadcrumb"')[1].split("</nav>")[0]
    assert "已认定不实" in body and reverse("duties:my") in crumbs


def test_an_occurrence_waiting_for_its_excuse_offers_no_record_button(client_for, dw):
    occ = current(dw.school_a, "DRILL", dw.today)
    officer = dw.users[Role.SCHOOL_OFFICER]
    client = client_for(officer)
    assert 'data-testid="record-DRILL"' in client.get(reverse("duties:my")).content.decode()
    services.ask_excuse(actor=officer, occurrence_id=occ.pk, reason="场地维修", now=dw.now)
    body = client.get(reverse("duties:my")).content.decode()
    # the detail would offer no record form while the excuse waits: the card only links to it
    assert 'data-testid="record-DRILL"' not in body and 'data-testid="occurrence-DRILL"' in body
