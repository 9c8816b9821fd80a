"""Who reaches which check, item and photo: schools nothing (403), another bureau nothing
(404), a department officer its department's items and the checks that drew them."""

import pytest
from django.urls import reverse
from django.utils import timezone

from safecampus.core.roles import Role
from safecampus.core.testing import scope_matrix
from safecampus.hazards.testing import jpeg_upload
from safecampus.spotchecks import services
from safecampus.spotchecks.models import Result, SpotCheckEvidence, SpotCheckItem

pytestmark = pytest.mark.django_db


@pytest.fixture
def recorded(sc):
    """A check of every claimed hazard; the closed one found not as claimed, with a photo."""
    check = sc.order()
    item = SpotCheckItem.objects.get(spot_check=check, hazard=sc.closed)
    services.spot_check_assign(
        actor=sc.leader, spot_check=check, inspector=sc.inspector, item_ids=[item.pk]
    )
    services.spot_check_record(
        actor=sc.inspector,
        item=item,
        result=Result.NOT_AS_CLAIMED,
        finding="未整改",
        checked_on=timezone.localdate(),
        files=[jpeg_upload()],
    )
    sc.check, sc.item, sc.evidence = check, item, SpotCheckEvidence.objects.get()
    return sc


def urls(sc):
    return {
        "list": reverse("spotchecks:check_list"),
        "detail": sc.check.get_absolute_url(),
        "verify": reverse("spotchecks:check_verify", args=[sc.check.pk]),
        "item": reverse("spotchecks:item_detail", args=[sc.item.pk]),
        "evidence": sc.evidence.get_absolute_url(),
        "thumb": sc.evidence.thumbnail_url(),
        "mine": reverse("spotchecks:my_assignments"),
        "new": reverse("spotchecks:check_create"),
    }


NAMES = ("list", "detail", "verify", "item", "evidence", "thumb", "mine", "new")
SEES = (200, 200, 200, 200, 200, 200, 200, 403)
DENIED = (403,) * 8


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.SAFETY_CENTRE, (200,) * 8),
        (Role.LEADERSHIP, (200,) * 8),
        (Role.INSPECTOR, SEES),
        (Role.DEPARTMENT_OFFICER, SEES),
        (Role.SCHOOL_OFFICER, DENIED),
        (Role.PRINCIPAL, DENIED),
        (Role.PARTNER, DENIED),
        (Role.SYSTEM_ADMIN, DENIED),
        (Role.AUDITOR, DENIED),
    ],
)
def test_scope_matrix(recorded, client_for, role, expected):
    client = client_for(recorded.users[role])
    got = {name: client.get(url).status_code for name, url in urls(recorded).items()}
    assert got == dict(zip(NAMES, expected, strict=True))


def test_another_bureau_gets_404_and_an_empty_list(recorded, client_for):
    client = client_for(recorded.other_centre)
    got = {name: client.get(url).status_code for name, url in urls(recorded).items()}
    assert got == dict(zip(NAMES, (200, 404, 404, 404, 404, 404, 200, 200), strict=True))
    assert recorded.check.title not in client.get(urls(recorded)["list"]).content.decode()
    r = client.post(
        reverse("spotchecks:check_assign", args=[recorded.check.pk]),
        {"inspector": recorded.other_centre.pk, "stratum": "d-"},
    )
    assert r.status_code == 404


def test_a_department_officer_sees_only_its_items(recorded, client_for):
    client = client_for(recorded.other_dept_user)  # 安保科: only the submitted hazard
    body = client.get(recorded.check.get_absolute_url()).content.decode()
    assert body.count('data-testid="item-link"') == 1
    assert recorded.other.code in body and recorded.closed.code not in body
    assert "普教一科" not in body  # not even the strata of the other department
    urls_ = urls(recorded)
    assert client.get(urls_["item"]).status_code == 404
    assert client.get(urls_["evidence"]).status_code == 404
    # the list counts only its own item: none of one checked
    assert ">0 / 1<" in client.get(urls_["list"]).content.decode()
    assert ">1 / 4<" in client_for(recorded.centre).get(urls_["list"]).content.decode()


def test_a_department_officer_does_not_see_checks_that_drew_none_of_its_hazards(sc, client_for):
    check = sc.order(claims=["resolved"])  # only 普教一科's closed hazard
    client = client_for(sc.other_dept_user)
    assert check.title not in client.get(reverse("spotchecks:check_list")).content.decode()
    assert client.get(check.get_absolute_url()).status_code == 404
    assert client_for(sc.dept_user).get(check.get_absolute_url()).status_code == 200


# --- every page through core.testing.scope_matrix ---------------------------------------------


def test_every_page_answers_the_scope_matrix(recorded, client):
    """Anonymous → login; a role the feature does not reach (a school, a partner unit, the
    auditor) → 403; another bureau, or a department the record does not concern → 404."""
    sc = recorded
    u = sc.users
    outsiders = [u[Role.SCHOOL_OFFICER], u[Role.PRINCIPAL], u[Role.PARTNER], u[Role.AUDITOR]]
    for name in ("list", "mine"):
        scope_matrix(client, urls(sc)[name], permitted=sc.inspector, wrong_role=outsiders)
    scope_matrix(
        client,
        urls(sc)["new"],
        permitted=sc.leader,
        wrong_role=[sc.inspector, sc.dept_user, *outsiders],
    )
    for name in ("detail", "verify", "item", "evidence", "thumb"):
        scope_matrix(
            client,
            urls(sc)[name],
            permitted=sc.dept_user,
            # 安保科 sees the check (it drew its hazard), not 普教一科's item and photo
            out_of_scope=[sc.other_centre]
            + ([] if name in ("detail", "verify") else [sc.other_dept_user]),
            wrong_role=outsiders,
        )


class Rewound:
    """An upload the test client reads whole each time it posts it (once per user)."""

    def __init__(self, upload):
        self.upload = upload
        self.name = upload.name
        self.content_type = upload.content_type

    def read(self):
        self.upload.seek(0)
        return self.upload.read()


def test_assigning_and_recording_answer_the_scope_matrix(recorded, client):
    sc = recorded
    u = sc.users
    pending = SpotCheckItem.objects.get(spot_check=sc.check, hazard=sc.rectifying)
    scope_matrix(
        client,
        reverse("spotchecks:check_assign", args=[sc.check.pk]),
        method="post",
        data={"inspector": sc.inspector.pk, "items": [pending.pk]},
        permitted=sc.centre,
        out_of_scope=[sc.other_centre],
        # inspectors and departments record; they do not assign
        wrong_role=[sc.inspector, sc.dept_user, u[Role.SCHOOL_OFFICER], u[Role.PARTNER]],
    )
    scope_matrix(
        client,
        reverse("spotchecks:item_detail", args=[pending.pk]),
        method="post",
        data={
            "result": Result.CONFIRMED,
            "checked_on": timezone.localdate().isoformat(),
            "files": [Rewound(jpeg_upload())],
        },
        permitted=sc.inspector,  # the person assigned
        out_of_scope=[sc.other_centre, sc.other_dept_user],
        # 普教一科's officer sees the hazard of its department but is not assigned it
        wrong_role=[sc.dept_user, u[Role.SCHOOL_OFFICER], u[Role.PARTNER]],
    )
    pending.refresh_from_db()
    assert pending.result == Result.CONFIRMED and pending.recorded_by == sc.inspector
