"""The menu offers each role the supervision pages it may open, and every link opens."""

import pytest

from safecampus.core.roles import Role

pytestmark = pytest.mark.django_db


def _menu(client):
    response = client.get("/")
    assert response.status_code == 200
    return response.context["nav_items"]


def _dropdown(items, first_url):
    """The children's URLs of the dropdown whose first entry is ``first_url`` (or [])."""
    menus = [i for i in items if i.children and i.children[0].url == first_url]
    return [child.url for child in menus[0].children] if menus else []


def _supervision(items):
    return _dropdown(items, "/weekly/")


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (
            Role.SAFETY_CENTRE,
            [
                "/weekly/",
                "/spotchecks/",
                "/accountability/consultations/",
                "/accountability/",
                "/evaluation/",
            ],
        ),
        (
            Role.DEPARTMENT_OFFICER,
            [
                "/weekly/",
                "/spotchecks/",
                "/accountability/consultations/",
                "/accountability/",
                "/evaluation/",
            ],
        ),
        (
            Role.INSPECTOR,
            ["/weekly/", "/spotchecks/", "/accountability/consultations/", "/accountability/"],
        ),
    ],
)
def test_bureau_roles_get_a_supervision_menu_whose_pages_open(world, client_for, role, expected):
    client = client_for(world.users[role])
    urls = _supervision(_menu(client))
    assert urls == expected
    for url in urls:
        assert client.get(url).status_code == 200, url


def test_a_school_gets_only_its_accountability_records(world, client_for):
    client = client_for(world.users[Role.SCHOOL_OFFICER])
    items = _menu(client)
    assert not _supervision(items)
    assert "/accountability/" in [i.url for i in items]
    assert "/spotchecks/" not in [i.url for i in items]
    assert client.get("/accountability/").status_code == 200


def test_admin_roles_get_no_supervision(world, client_for):
    for role in (Role.SYSTEM_ADMIN, Role.AUDITOR):
        urls = [i.url for i in _menu(client_for(world.users[role]))]
        assert not [u for u in urls if u.startswith(("/weekly", "/spot", "/accountab", "/eval"))]


def test_id_parameters_that_are_not_ids_are_not_server_errors(world, client_for):
    from safecampus.core.forms import id_param

    assert [id_param(v) for v in ("12", " 7 ", "", None, "²", "١٢", "abc", "9" * 19)] == [
        12,
        7,
        None,
        None,
        None,
        None,
        None,
        None,
    ]


@pytest.mark.parametrize(
    ("role", "url"),
    [
        (Role.SAFETY_CENTRE, "/dashboard/"),
        (Role.LEADERSHIP, "/dashboard/"),
        (Role.DEPARTMENT_OFFICER, "/dashboard/"),
        (Role.SCHOOL_OFFICER, "/dashboard/school/"),
    ],
)
def test_each_role_reaches_its_dashboard_from_the_menu(world, client_for, role, url):
    client = client_for(world.users[role])
    assert url in [i.url for i in _menu(client)]
    assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (
            Role.SAFETY_CENTRE,
            [
                "/duties/my/",
                "/duties/compliance/",
                "/duties/excuses/",
                "/duties/catalog/",
                "/duties/calendar/",
                "/duties/plans/",
            ],
        ),
        (
            Role.DEPARTMENT_OFFICER,
            [
                "/duties/my/",
                "/duties/compliance/",
                "/duties/excuses/",
                "/duties/catalog/",
                "/duties/calendar/",
                "/duties/plans/",
            ],
        ),
        (Role.SCHOOL_OFFICER, ["/duties/my/", "/duties/catalog/", "/duties/calendar/"]),
        (Role.PARTNER, ["/duties/my/", "/duties/catalog/", "/duties/calendar/"]),
    ],
)
def test_the_recurring_duties_menu_offers_each_role_pages_that_open(
    world, client_for, role, expected
):
    client = client_for(world.users[role])
    urls = _dropdown(_menu(client), "/duties/my/")
    assert urls == expected
    for url in urls:
        assert client.get(url).status_code == 200, url


def test_the_recurring_duties_menu_reads_in_chinese(world, client_for):
    client = client_for(world.users[Role.SAFETY_CENTRE])
    menus = [i for i in _menu(client) if i.children and i.children[0].url == "/duties/my/"]
    labels = [str(child.label) for child in menus[0].children]
    assert labels == [
        "本单位常态化工作",
        "常态化工作落实情况",
        "待审核的免除申请",
        "常态化工作清单",
        "校历",
        "年度工作计划",
    ]
