"""The audit log: only the auditor reads and exports it; rows are append-only; 三员分立."""

import io

import pytest
from openpyxl import load_workbook

from safecampus.audit.models import Action, AuditEvent
from safecampus.audit.services import audit_record
from safecampus.core.capabilities import BUSINESS_DATA
from safecampus.core.roles import Role
from safecampus.core.testing_excel import table


@pytest.fixture
def events(world):
    audit_record(action=Action.LOGIN_FAILED, actor=world.users[Role.SCHOOL_OFFICER])
    audit_record(action=Action.LOGIN_SUCCEEDED, actor=world.users[Role.SAFETY_CENTRE])
    audit_record(
        action=Action.ROLE_GRANTED,
        actor=world.users[Role.SECURITY_ADMIN],
        target=world.users[Role.SCHOOL_OFFICER],
        data={"role": "school_officer"},
    )
    audit_record(
        action=Action.LOGIN_SUCCEEDED, actor_username="outsider", bureau_id=world.other_bureau.pk
    )
    return world


@pytest.mark.parametrize("role", [r for r in Role if r != Role.AUDITOR])
def test_nobody_but_the_auditor_reads_the_audit_log(events, client_for, role):
    client = client_for(events.users[role])
    assert client.get("/audit/").status_code == 403
    assert client.get("/audit/export/").status_code == 403


def test_auditor_filters_by_action_and_user(events, client_for):
    client = client_for(events.users[Role.AUDITOR])
    page = client.get("/audit/?action=login_failed")
    assert [e.action for e in page.context["page"]] == ["login_failed"]
    page = client.get("/audit/?actor=centre")
    assert {e.actor_username for e in page.context["page"]} == {"centre"}


def test_auditor_sees_only_their_bureau(events, client_for):
    page = client_for(events.users[Role.AUDITOR]).get("/audit/")
    assert "outsider" not in {e.actor_username for e in page.context["page"]}


def test_auditor_exports_the_filtered_log(events, client_for):
    client = client_for(events.users[Role.AUDITOR])
    response = client.get("/audit/export/?action=role_granted")
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    _headers, rows = table(content)
    assert len(rows) == 1 and rows[0][2] == "secadmin"
    # the header block says which filter made these rows
    lines = [
        r[0]
        for r in load_workbook(io.BytesIO(content))
        .worksheets[0]
        .iter_rows(max_row=4, values_only=True)
    ]
    assert "筛选条件：操作：授予角色" in lines
    assert (
        "审计日志_" in response["Content-Disposition"]
        or "%E5%AE%A1%E8%AE%A1%E6%97%A5%E5%BF%97_" in response["Content-Disposition"]
    )
    # the export itself is audited
    assert AuditEvent.objects.filter(action=Action.EXPORT, actor_username="auditor").exists()


def test_events_are_append_only(events):
    event = AuditEvent.objects.first()
    event.actor_username = "tampered"
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()


def test_system_admin_holds_no_business_data_capability():
    # 三员分立: the configuration, account and audit roles see no hazard-bearing data
    assert Role.SYSTEM_ADMIN not in BUSINESS_DATA
    assert Role.SECURITY_ADMIN not in BUSINESS_DATA
    assert Role.AUDITOR not in BUSINESS_DATA


def test_security_admin_and_auditor_see_no_schools(world, client_for):
    for role in (Role.SECURITY_ADMIN, Role.AUDITOR):
        client = client_for(world.users[role])
        assert client.get("/orgs/schools/").status_code == 403
        assert client.get(f"/orgs/schools/{world.school_a.pk}/").status_code == 404


def test_events_without_bureau_go_only_to_top_level_auditors(events, client_for):
    from safecampus.core.testing import BureauFactory, user_with_role

    audit_record(action=Action.LOGIN_FAILED, actor_username="Secret#Pass1")
    # world.bureau has no parent: its auditor oversees the deployment
    page = client_for(events.users[Role.AUDITOR]).get("/audit/?action=login_failed")
    assert "Secret#Pass1" in {e.actor_username for e in page.context["page"]}
    city = BureauFactory()
    district = BureauFactory(parent=city)
    district_auditor = user_with_role(Role.AUDITOR, district)
    page = client_for(district_auditor).get("/audit/?action=login_failed")
    assert "Secret#Pass1" not in {e.actor_username for e in page.context["page"]}
