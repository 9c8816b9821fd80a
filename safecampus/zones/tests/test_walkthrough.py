"""What a walk through the zone pages in Chinese found: stored codes (``open``, ``rectifying``,
``drawn``, role codes) shown instead of their labels, placeholders that never matched their
translation, a school name that led nowhere, labels taken from another page's context."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from safecampus.core.roles import Role
from safecampus.hazards.tests.helpers import temporary_media
from safecampus.zones.choices import VenueStatus
from safecampus.zones.testing import ORIGIN, square
from safecampus.zones.views.overview import STATUS_COLOURS

from .test_cases_helpers import case_world

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

NOW = "2026-12-01T10:00"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    temporary_media(settings, tmp_path)


@pytest.fixture
def cw(world, clock):
    clock.move_to(NOW)
    return case_world(world)


def _timeline(html: str) -> str:
    part = html.split('data-testid="timeline"', 1)[1].split("</ol>", 1)[0]
    return re.sub(r"<[^>]*>", " ", part.split(">", 1)[1])  # the text a person reads


def test_the_case_timeline_shows_status_and_role_labels_not_codes(cw, client_for):
    client = client_for(cw.z.law_officer)
    case = cw.case
    response = client.post(
        reverse("zones:case_act", args=[case.pk, "assign"]),
        {"assign-version": case.version, "assign-deadline": "2026-12-20", "assign-note": "交办"},
    )
    assert response.status_code == 302
    html = client.get(reverse("zones:case_detail", args=[case.pk])).content.decode()
    timeline = _timeline(html)
    assert "待交办" in timeline and "整治中" in timeline
    for code in ("open", "rectifying", "department_officer", "engine"):
        assert not re.search(rf"\b{code}\b", timeline), code
    # the overdue badge says the case *is* overdue, not the filter's question
    assert "是否逾期" not in html


def test_the_case_links_to_its_school_for_those_who_read_its_zone(cw, client_for):
    school_url = reverse("zones:geometry_detail", args=[cw.world.school_a.pk])
    url = reverse("zones:case_detail", args=[cw.case.pk])
    officer = client_for(cw.z.law_officer).get(url).content.decode()
    assert f'href="{school_url}"' in officer
    assert f'href="{reverse("zones:venue_detail", args=[cw.venue.pk])}"' in officer
    # a partner unit reads the case but not the school's geometry: no link to a 403
    partner = client_for(cw.users[Role.PARTNER]).get(url)
    assert partner.status_code == 200
    assert f'href="{school_url}"' not in partner.content.decode()


def test_placeholders_of_the_zone_pages_are_translated(cw, client_for):
    client = client_for(cw.users[Role.SAFETY_CENTRE])
    overview = client.get(reverse("zones:overview")).content.decode()
    assert "Figures of the zone cases" not in overview and "您可查看的区域整治案件统计" in overview
    assert "分页" not in overview  # the card of links is not a paginator
    cases = client.get(reverse("zones:case_list")).content.decode()
    assert re.search(r"共 \d+ 件", cases) and not re.search(r"\d+ cases?\b", cases)


def test_labels_take_the_zone_context(cw, client_for):
    client = client_for(cw.users[Role.SAFETY_CENTRE])
    form = client.get(reverse("zones:venue_create")).content.decode()
    assert "学校名称" not in form and "隐患来源" not in form
    detail = client.get(reverse("zones:venue_detail", args=[cw.venue.pk])).content.decode()
    assert "隐患来源" not in detail
    school = client.get(reverse("zones:geometry_detail", args=[cw.world.school_a.pk]))
    body = school.content.decode()
    assert "学校名称" not in body  # the waiting area's name
    assert "校门数" not in body  # the heading of the gates table


def test_the_boundary_history_names_the_source(cw, client_for):
    client = client_for(cw.users[Role.SCHOOL_OFFICER])
    url = reverse("zones:geometry_detail", args=[cw.world.school_a.pk])
    campus = (ORIGIN[0] + 0.0005, ORIGIN[1])
    response = client.post(
        url,
        {
            "op": "draw",
            "draw-vertices": json.dumps(square(campus, 50)),
            "draw-coord_system": "wgs84",
            "draw-version": "",
        },
    )
    assert response.status_code == 302
    html = client.get(url).content.decode()
    history = html.split('data-testid="history-table"', 1)[1]
    assert "(drawn)" not in history and "在地图上绘制" in history


def test_venue_colours_differ_from_the_schools_blue():
    assert STATUS_COLOURS[VenueStatus.RELOCATED] != "#0d6efd"
    assert len(set(STATUS_COLOURS.values())) == len(STATUS_COLOURS)


def test_empty_choices_read_all_on_filters_and_choose_on_forms(cw, client_for):
    client = client_for(cw.users[Role.SAFETY_CENTRE])
    listing = client.get(reverse("zones:venue_list")).content.decode()
    assert "---------" not in listing and "全部" in listing
    form = client.get(reverse("zones:venue_create")).content.decode()
    assert "---------" not in form
    assert "请选择类型" in form and "请选择坐标系" in form


def test_a_partner_on_a_phone_can_jump_to_the_actions(cw, client_for):
    html = (
        client_for(cw.users[Role.PARTNER])
        .get(reverse("zones:case_detail", args=[cw.case.pk]))
        .content.decode()
    )
    assert 'href="#actions-card"' in html and 'id="actions-card"' in html
    reader = client_for(cw.users[Role.LEADERSHIP])
    html = reader.get(reverse("zones:case_detail", args=[cw.case.pk])).content.decode()
    assert 'href="#actions-card"' not in html  # nothing to do: no button


def test_the_import_job_page_says_imported_not_exported(world, clock, client_for):
    from safecampus.core import geo
    from safecampus.core.jobs import job_run
    from safecampus.core.models import Job
    from safecampus.zones.testing import away, zone_world

    from .test_venues_import import workbook

    clock.move_to(NOW)
    z = zone_world(world)
    client = client_for(z.law_officer)
    gcj = away(ORIGIN, 150, system=geo.GCJ02)
    upload = workbook([["网吧", "星空网吧", "", "东路1号", gcj[0], gcj[1], "高德", "", ""]])
    assert client.post(reverse("zones:venue_import"), {"file": upload}).status_code == 302
    job = Job.objects.get(kind="zones.venue_import")
    job_run(job.pk)
    html = client.get(job.get_absolute_url()).content.decode()
    assert "已导入1个场所" in html and "已导出" not in html


def test_the_venue_links_to_the_schools_whose_zone_holds_it(cw, client_for):
    school_url = reverse("zones:geometry_detail", args=[cw.world.school_a.pk])
    url = reverse("zones:venue_detail", args=[cw.venue.pk])
    officer = client_for(cw.z.law_officer).get(url).content.decode()
    assert f'href="{school_url}"' in officer
    partner = client_for(cw.users[Role.PARTNER]).get(url)
    assert partner.status_code == 200
    assert f'href="{school_url}"' not in partner.content.decode()
