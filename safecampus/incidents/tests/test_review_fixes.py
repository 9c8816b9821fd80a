"""The review's findings, each pinned by a test that fails without its fix."""

from __future__ import annotations

import datetime

import pytest

from safecampus.accounts.models import RoleAssignment
from safecampus.core.access import roles_on
from safecampus.core.roles import Role
from safecampus.core.testing import user_with_role
from safecampus.incidents import restriction
from safecampus.incidents.choices import IncidentType
from safecampus.incidents.models import Incident
from safecampus.incidents.testing import designate, report

pytestmark = pytest.mark.dates

NOW = datetime.datetime(2027, 3, 1, 9, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))


def _fresh(user):
    return type(user).objects.get(pk=user.pk)


def _leave(user, world):
    """``user`` leaves the world's bureau for the other one."""
    RoleAssignment.objects.filter(user=user).update(revoked_at=NOW)
    RoleAssignment.objects.create(user=user, role=Role.SAFETY_CENTRE, bureau=world.other_bureau)
    return _fresh(user)


# --- 1. a named person who left the bureau -------------------------------------------------------


def test_named_person_loses_restricted_case_on_leaving_bureau(world):
    school = world.users[Role.SCHOOL_OFFICER]
    centre = world.users[Role.SAFETY_CENTRE]
    designate(world, centre)
    incident = report(school, world.school_a, now=NOW, incident_type=IncidentType.BULLYING)
    assert incident.restricted and incident.names(centre.pk)
    assert Incident.objects.visible_to(centre).filter(pk=incident.pk).exists()
    gone = _leave(centre, world)
    assert not Incident.objects.visible_to(gone).exists()
    assert not Incident.objects.restrict(gone, "manage").exists()
    assert roles_on(gone, incident) == frozenset()
    # the school officer named as reporter still sees it while in the bureau's school
    assert Incident.objects.visible_to(_fresh(school)).filter(pk=incident.pk).exists()


def test_first_names_only_eligible_people(world):
    centre = world.users[Role.SAFETY_CENTRE]
    designate(world, centre)
    _leave(centre, world)
    outsider = user_with_role(Role.SAFETY_CENTRE, world.other_bureau, username="outsider")
    school = world.users[Role.SCHOOL_OFFICER]
    names = restriction.first_names(world.bureau.pk, school, outsider)
    assert names == [school.pk]


# --- 2. Word documents of a restricted case ----------------------------------------------------


def _act(actor, incident, action, at, **data):
    from safecampus.incidents import services

    return services.incident_act(
        actor=actor, incident_id=incident.pk, action=action, data=data, now=at
    )


SECRETS = ("秘密标题", "秘密地点", "秘密经过", "秘密措施", "秘密续报", "秘密新措施", "秘密终报")


@pytest.mark.parametrize("kind", ["initial", "follow_up", "final"])
def test_restricted_documents_hold_no_free_text(world, kind):
    import io

    from docx import Document as open_docx

    from safecampus.core.testing_documents import docx_text
    from safecampus.incidents import documents
    from safecampus.incidents.choices import IncidentAction

    school = world.users[Role.SCHOOL_OFFICER]
    incident = report(
        school,
        world.school_a,
        now=NOW,
        incident_type=IncidentType.BULLYING,
        title="秘密标题",
        place="秘密地点",
        description="秘密经过",
        measures="秘密措施",
    )
    _act(
        school,
        incident,
        IncidentAction.FOLLOW_UP,
        NOW + datetime.timedelta(hours=2),
        note="秘密续报",
        measures="秘密新措施",
    )
    _act(school, incident, IncidentAction.CLOSE, NOW + datetime.timedelta(hours=3), note="秘密终报")
    incident.refresh_from_db()
    content, name = documents.incident_document(
        incident, kind=kind, now=NOW + datetime.timedelta(hours=4)
    )
    text = docx_text(open_docx(io.BytesIO(content)))
    for secret in SECRETS:
        assert secret not in text, secret
    assert "受限案件" in text and documents.RESTRICTED_MASK in text
    assert documents.PRIVACY_LINE in text
