"""The dashboard's pages: who reaches them, bad filters, the printable page, the workbook, and
query counts pinned whatever the size of the register."""

import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from openpyxl import load_workbook

from safecampus.core.excel import attachment
from safecampus.core.roles import Role
from safecampus.core.testing import SchoolFactory
from safecampus.core.testing_excel import table
from safecampus.hazards.testing import hazard_at
from safecampus.orgs.models import SchoolGate

from . import dashboard_world

dash = dashboard_world.dash  # the fixture

pytestmark = pytest.mark.django_db

PAGES = ["/dashboard/", "/dashboard/print/", "/dashboard/export.xlsx"]


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.SAFETY_CENTRE, 200),
        (Role.LEADERSHIP, 200),
        (Role.INSPECTOR, 200),
        (Role.DEPARTMENT_OFFICER, 200),
        (Role.PARTNER, 403),
        (Role.SYSTEM_ADMIN, 403),
        (Role.SECURITY_ADMIN, 403),
        (Role.AUDITOR, 403),
    ],
)
def test_who_reaches_the_dashboard(world, client_for, url, role, expected):
    assert client_for(world.users[role]).get(url).status_code == expected


@pytest.mark.parametrize("role", [Role.SCHOOL_OFFICER, Role.PRINCIPAL])
def test_schools_go_to_their_own_dashboard(world, client_for, role):
    client = client_for(world.users[role])
    response = client.get("/dashboard/")
    assert response.status_code == 302
    assert response["Location"] == "/dashboard/school/"
    assert client.get("/dashboard/print/").status_code == 403
    assert client.get("/dashboard/export.xlsx").status_code == 403


def test_anonymous_is_sent_to_log_in(client):
    response = client.get("/dashboard/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_another_bureau_sees_none_of_ours(dash, client_for):
    response = client_for(dash.other_centre).get("/dashboard/")
    assert response.status_code == 200
    d = response.context["d"]
    assert d["totals"]["total"]["n"] == 1
    assert "甲小学" not in response.content.decode()
    # a campaign of another bureau in the filter is not a choice: refused, not shown
    response = client_for(dash.other_centre).get("/dashboard/", {"campaign": dash.campaign.pk})
    assert response.status_code == 400
    assert response.context["d"]["campaign"] is None
    assert dash.campaign.name not in response.content.decode()


@pytest.mark.parametrize(
    "params",
    [
        {"found_from": "2026-13-01"},
        {"found_from": "2026-05-10", "found_to": "2026-05-01"},
        {"campaign": "abc"},
        {"campaign": "99999999999999999999999"},
        {"stage": "castle"},
        {"bureau": "-1"},
    ],
)
def test_bad_filters_answer_400_with_the_form_not_500(dash, client_for, params):
    response = client_for(dash.centre).get("/dashboard/", params)
    assert response.status_code == 400
    assert response.context["form"].errors
    # what the person typed stays in the form, and the figures are shown without that filter
    if "found_from" in params:
        assert f'value="{params["found_from"]}"' in response.content.decode()
    assert response.context["d"]["totals"]["total"]["n"] == 11


def test_filters_narrow_the_page(dash, client_for):
    response = client_for(dash.centre).get(
        "/dashboard/", {"stage": "kindergarten", "found_from": dash.today.isoformat()}
    )
    assert response.status_code == 200
    t = response.context["d"]["totals"]
    assert (t["total"]["n"], t["open"]["n"]) == (2, 2)  # a0 and b1; c_late was found before
    day = dash.today.isoformat()
    assert t["open"]["url"] == f"/hazards/?found_from={day}&stage=kindergarten&open=true"


def test_department_sees_the_waiting_panel_and_the_centre_does_not(dash, client_for):
    dept = client_for(dash.users[Role.DEPARTMENT_OFFICER]).get("/dashboard/")
    assert dept.context["waiting"] is not None
    centre = client_for(dash.centre).get("/dashboard/")
    assert "waiting" not in centre.context


def test_printable_page_is_a4_with_chinese_fonts_and_the_figures(dash, client_for):
    response = client_for(dash.centre).get("/dashboard/print/", {"stage": "primary"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "size: A4" in body
    assert '"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "SimSun"' in body
    assert "<script" not in body.split("</head>")[0]  # no chart library needed to print
    assert response.context["d"]["totals"]["open"]["n"] == 6
    assert "甲小学" in body and "乙幼儿园" not in body
    with translation.override("zh-hans"):
        assert translation.gettext("Primary school") in body  # the type filter, by its name


def test_workbook_has_a_sheet_per_group_with_the_page_figures(dash, client_for):
    response = client_for(dash.centre).get("/dashboard/export.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response["Content-Disposition"] == attachment(
        f"{dash.world.bureau.name}_统计分析_{dash.today:%Y-%m-%d}.xlsx"
    )
    wb = load_workbook(io.BytesIO(response.content))
    with translation.override("zh-hans"):
        overview = translation.gettext("Overview")
        by_days = translation.gettext("Overdue by days")
        league = translation.gettext("Slowest to close")
        open_hazards = translation.gettext("Open hazards")
    assert len(wb.sheetnames) >= 15
    rows = {r[0]: r[1] for r in table(response.content, overview)[1]}
    assert rows[open_hazards] == 8
    buckets = [r[1] for r in table(response.content, by_days)[1]]
    assert buckets == [2, 2, 1]
    slowest = table(response.content, league)[1]
    assert [(r[0], r[4]) for r in slowest] == [("乙幼儿园", 13), ("甲小学", 10)]


def test_department_workbook_counts_only_its_hazards(dash, client_for):
    response = client_for(dash.other_dept_user).get("/dashboard/export.xlsx")
    values = [r[1] for r in table(response.content)[1][:1]]  # 隐患总数
    assert values == [1]  # 安保科: b1 only


# --- query counts -------------------------------------------------------------------------------


def count_queries(client, url: str) -> int:
    """Queries of a GET of ``url``, after a warming GET that wrote the session's idle-timeout
    refresh (not due again for a minute)."""
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx)


def grow(dash, n: int) -> None:
    """``n`` more schools, each with a gate and an overdue hazard, and one closed hazard."""
    from safecampus.core.testing import user_with_role

    for i in range(n):
        school = SchoolFactory(bureau=dash.bureau, stage=("primary", "junior")[i % 2])
        SchoolGate.objects.create(
            school=school, longitude="121.4", latitude="31.1", coord_system="gcj02"
        )
        user = user_with_role(Role.SCHOOL_OFFICER, school, username=f"grow_{school.pk}")
        status = "rectifying" if i % 2 else "closed"
        hazard = hazard_at(
            status, school=school, school_user=user, dept_user=dash.users[Role.DEPARTMENT_OFFICER]
        )
        if status == "rectifying":
            type(hazard).objects.filter(pk=hazard.pk).update(
                deadline=dash.today - datetime.timedelta(days=3 + i)
            )


@pytest.mark.parametrize(
    ("who", "url", "expected"),
    [
        # (duty compliance: whether the summary is there, then one read: the summary's rows or
        # one grouped count; 人防物防技防: the standards tally and one count of open findings;
        # 学生安全区域: the cases' totals, the venues in zones by type, schools with no boundary;
        # 突发事件: one grouped count of the incidents, one count of the open cluster alerts;
        # 消息推送, the centre's only: the robots' counts, the failing robots named, the
        # messages' counts)
        ("centre", "/dashboard/", 40),
        ("leader", "/dashboard/", 37),
        # the department officer's page includes what waits for its action (4 queries) and
        # reads its departments for the department filter and the title (1); its zone card
        # counts its department's cases (no count of boundaries)
        ("dept", "/dashboard/", 40),
        ("centre", "/dashboard/print/", 39),
        # and the user's units, named in the workbook's header block
        ("centre", "/dashboard/export.xlsx", 40),
        # the map's points, loaded by the page: schools with their first gate, worst colours
        ("centre", "/dashboard/map.json", 9),
    ],
)
def test_query_count_does_not_grow_with_the_register(dash, client_for, who, url, expected):
    user = {
        "centre": dash.centre,
        "leader": dash.users[Role.LEADERSHIP],
        "dept": dash.users[Role.DEPARTMENT_OFFICER],
    }[who]
    client = client_for(user)
    small = count_queries(client, url)
    grow(dash, 6)
    large = count_queries(client, url)
    assert (small, large) == (expected, expected)
