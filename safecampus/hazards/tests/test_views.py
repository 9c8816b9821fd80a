"""The register pages: scope, filters in the URL, actions through forms, export, evidence files."""

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import escape_uri_path

from safecampus.core.roles import Role
from safecampus.core.testing_excel import table, workbook_cells
from safecampus.hazards.models import Hazard, HazardEvent
from safecampus.hazards.testing import jpeg_upload

from .helpers import days

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path},
        },
    }


def _codes(response) -> list[str]:
    return [h.code for h in response.context["page"].object_list]


def test_register_shows_each_role_its_scope(reg, client_for):
    a = reg.make("assigned")
    b = reg.make("reported", school=reg.school_b)
    url = reverse("hazards:hazard_list")
    seen = {
        role: set(_codes(client_for(reg.users[role]).get(url)))
        for role in (Role.SAFETY_CENTRE, Role.SCHOOL_OFFICER, Role.DEPARTMENT_OFFICER)
    }
    assert seen[Role.SAFETY_CENTRE] == {a.code, b.code}
    assert seen[Role.SCHOOL_OFFICER] == {a.code}
    assert seen[Role.DEPARTMENT_OFFICER] == {a.code, b.code}  # its department is responsible
    assert set(_codes(client_for(reg.school_b_user).get(url))) == {b.code}


@pytest.mark.parametrize(
    "role", [Role.PARTNER, Role.AUDITOR, Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN]
)
def test_register_refused_to_roles_without_business_data(reg, client_for, role):
    assert client_for(reg.users[role]).get(reverse("hazards:hazard_list")).status_code == 403


def test_hazard_page_is_404_outside_scope(reg, client_for):
    a = reg.make("assigned")
    assert client_for(reg.school_b_user).get(a.get_absolute_url()).status_code == 404
    resp = client_for(reg.users[Role.SCHOOL_OFFICER]).get(a.get_absolute_url())
    assert resp.status_code == 200
    assert [f.action for f in resp.context["action_forms"]] == [
        "start",
        "submit",
        "explain",
        "add_evidence",
    ]


def test_filters_are_in_the_url(reg, client_for):
    a = reg.make("assigned")
    reg.make("closed")
    client = client_for(reg.users[Role.SAFETY_CENTRE])
    resp = client.get(reverse("hazards:hazard_list"), {"status": ["assigned"], "area": "A01"})
    assert _codes(resp) == [a.code]
    resp = client.get(reverse("hazards:hazard_list"), {"q": a.code})
    assert _codes(resp) == [a.code]
    # a bad value is ignored, not a 500
    resp = client.get(
        reverse("hazards:hazard_list"), {"deadline_from": "2026-13-45", "school": "x"}
    )
    assert resp.status_code == 200


def test_register_query_count_does_not_grow_with_rows(reg, client_for):
    client = client_for(reg.users[Role.SAFETY_CENTRE])
    url = reverse("hazards:hazard_list")
    reg.make("assigned")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm the session (its refresh is then not due for a minute)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for _ in range(5):
        reg.make("reported")
    with CaptureQueriesContext(connection) as six:
        client.get(url)
    # session, user, scope (2), filter choices (5, the campaigns too), count, page, unread
    # notifications
    assert len(one) == len(six) == 12


@pytest.mark.dates
def test_action_through_the_page_writes_an_event(reg, client_for):
    h = reg.make("reported")
    client = client_for(reg.users[Role.DEPARTMENT_OFFICER])
    url = reverse("hazards:hazard_action", args=[h.pk, "confirm"])
    resp = client.post(
        url,
        {
            "confirm-version": h.version,
            "confirm-level": "general",
            "confirm-deadline": str(days(40)),
            "confirm-measures": "清理杂物",
            "confirm-funds": "500元",
            "confirm-contingency_plan": "专人值守",
            "confirm-comment": "请尽快整改",
        },
    )
    assert resp.status_code == 302
    h.refresh_from_db()
    assert h.status == "assigned" and h.deadline == days(40)
    assert h.events.last().comment == "请尽快整改"


@pytest.mark.dates
def test_stale_form_keeps_the_input_and_changes_nothing(reg, client_for):
    h = reg.make("assigned")  # due in 30 days
    old_version = h.version
    # someone else extends the deadline first
    centre = client_for(reg.users[Role.SAFETY_CENTRE])
    centre.post(
        reverse("hazards:hazard_action", args=[h.pk, "extend"]),
        {
            "extend-version": old_version,
            "extend-deadline": str(days(60)),
            "extend-comment": "资金未到位",
        },
    )
    client = client_for(reg.users[Role.DEPARTMENT_OFFICER])
    events = HazardEvent.objects.count()
    resp = client.post(
        reverse("hazards:hazard_action", args=[h.pk, "extend"]),
        {
            "extend-version": old_version,
            "extend-deadline": str(days(90)),
            "extend-comment": "我的理由",
        },
    )
    assert resp.status_code == 400
    assert HazardEvent.objects.count() == events
    assert "我的理由" in resp.content.decode()
    assert (
        "changed by someone else" in resp.content.decode()
        or "已被他人修改" in resp.content.decode()
    )
    h.refresh_from_db()
    assert h.deadline == days(60)


def test_report_form_with_photo(reg, client_for):
    client = client_for(reg.users[Role.SCHOOL_OFFICER])
    resp = client.get(reverse("hazards:hazard_create"))
    assert resp.status_code == 200 and 'capture="environment"' in resp.content.decode()
    resp = client.post(
        reverse("hazards:hazard_create"),
        {
            "school": reg.school_a.pk,
            "item": reg.item.pk,
            "description": "灭火器过期",
            "location": "一楼走廊",
            "source": "self_inspection",
            "found_on": str(days(-2)),
            "remedy_type": "deadline",
            "level": "general",
            "responsible_person": "王老师",
            "files": [jpeg_upload()],
        },
    )
    assert resp.status_code == 302, resp.context["form"].errors
    h = Hazard.objects.get(description="灭火器过期")
    assert h.evidence.get().thumbnail


def test_evidence_only_within_scope(reg, client_for):
    h = reg.make("submitted")
    ev = h.evidence.get()
    own = client_for(reg.users[Role.SCHOOL_OFFICER]).get(ev.get_absolute_url())
    assert own.status_code == 200 and own["Content-Type"] == "image/jpeg"
    assert b"".join(own.streaming_content)[:3] == b"\xff\xd8\xff"
    other = client_for(reg.school_b_user)
    assert other.get(ev.get_absolute_url()).status_code == 404
    assert other.get(ev.thumbnail_url()).status_code == 404
    assert client_for(reg.users[Role.PARTNER]).get(ev.get_absolute_url()).status_code == 403


def test_export_is_the_scoped_register(reg, client_for):
    a = reg.make("assigned")
    reg.make("reported", school=reg.school_b)
    resp = client_for(reg.users[Role.SCHOOL_OFFICER]).get(reverse("hazards:hazard_export"))
    assert resp.status_code == 200
    headers, rows = table(b"".join(resp.streaming_content))
    assert headers[:3] == ["序号", "隐患编号", "学校"]
    assert [r[1] for r in rows] == [a.code]
    assert rows[0][24] == "已交办" or rows[0][24]
    # named what, whose and when, in Chinese
    school = reg.school_a if hasattr(reg, "school_a") else a.school
    assert resp["Content-Disposition"] == (
        "attachment; filename*=utf-8''"
        + escape_uri_path(f"{school.name}_隐患清单_{timezone.localdate():%Y-%m-%d}.xlsx")
    )


def test_export_of_the_current_campaigns_names_the_filter(reg, client_for):
    """``campaign=current`` (the dashboard's 当前专项行动 links) is a filter, not an id: the
    export names it in its header block rather than failing on it."""
    reg.make("assigned")
    url = reverse("hazards:hazard_export") + "?campaign=current"
    resp = client_for(reg.users[Role.SCHOOL_OFFICER]).get(url)
    assert resp.status_code == 200
    cells = [str(c.value) for c in workbook_cells(b"".join(resp.streaming_content))]
    assert any("当前专项行动（已启动、未结束）" in c for c in cells)


def test_correction_is_an_event_with_before_and_after(reg, client_for):
    h = reg.make("assigned", location="一楼")
    client = client_for(reg.users[Role.DEPARTMENT_OFFICER])
    page = client.get(h.get_absolute_url())
    form = next(f for f in page.context["action_forms"] if f.action == "edit")
    data = {form.add_prefix(name): field.initial or "" for name, field in form.fields.items()}
    data |= {"edit-location": "二楼西侧", "edit-comment": "现场复核更正"}
    resp = client.post(reverse("hazards:hazard_action", args=[h.pk, "edit"]), data)
    assert resp.status_code == 302
    event = h.events.last()
    assert event.action == "edit" and event.data == {"location": ["一楼", "二楼西侧"]}
    assert Hazard.objects.get(pk=h.pk).location == "二楼西侧"
    # the school cannot correct a confirmed hazard's details
    school = client_for(reg.users[Role.SCHOOL_OFFICER])
    resp = school.post(reverse("hazards:hazard_action", args=[h.pk, "edit"]), data)
    assert resp.status_code == 400 and Hazard.objects.get(pk=h.pk).version == h.version + 1


def test_filters_without_a_control_are_kept_and_shown(reg, client_for):
    """A dashboard link sets filters the form has no control for (here the school type and
    the days overdue): the page keeps them in the form and shows them, removable."""
    reg.make("assigned")
    client = client_for(reg.users[Role.SAFETY_CENTRE])
    url = reverse("hazards:hazard_list")
    response = client.get(url, {"stage": "primary", "overdue_min": "8", "area": "A01"})
    html = response.content.decode()
    block = html[html.index('data-testid="extra-filters"') :]
    block = block[: block.index("</div>")]
    assert '<input type="hidden" name="stage" value="primary">' in block
    assert '<input type="hidden" name="overdue_min" value="8">' in block
    assert 'name="area"' not in block  # it has its own control
    assert "?overdue_min=8&amp;area=A01" in block  # removing the school type keeps the rest
    assert client.get(url).context["extra_filters"] == []


def test_a_yes_no_filter_from_a_dashboard_reads_in_words(reg, client_for):
    """The dashboard links to the register with open=true: the chip says 是, not "true"."""
    reg.make("assigned")
    client = client_for(reg.users[Role.SAFETY_CENTRE])
    response = client.get(reverse("hazards:hazard_list"), {"open": "true"})
    (chip,) = response.context["extra_filters"]
    assert chip["values"] == ["true"] and [str(s) for s in chip["shown"]] in (["Yes"], ["是"])
