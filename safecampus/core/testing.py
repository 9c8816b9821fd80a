"""Test helpers: factories that build small organisations and users with roles."""

from __future__ import annotations

import factory
from django.db.models import Max

from safecampus.accounts.models import RoleAssignment, User
from safecampus.core.roles import ROLE_LEVEL, OrgLevel
from safecampus.orgs.models import (
    Bureau,
    Department,
    PartnerCoverage,
    PartnerUnit,
    Region,
    School,
    SchoolGate,
)

PASSWORD = "Test@2026pw"


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"{310100 + n}")
    name = factory.Sequence(lambda n: f"测试区{n}")
    level = "county"


class BureauFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Bureau
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"测试区教育局{n}")
    code_prefix = factory.Sequence(lambda n: "T" + "".join(chr(65 + int(d)) for d in str(n)))
    region = factory.SubFactory(RegionFactory)
    parent = None

    @factory.post_generation
    def set_path(obj, create, extracted, **kwargs):
        obj.path = f"{obj.parent.path if obj.parent else '/'}{obj.pk}/"
        obj.save(update_fields=["path"])


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    bureau = factory.SubFactory(BureauFactory)
    name = factory.Sequence(lambda n: f"科室{n}")


def _next_code() -> str:
    top = School.objects.aggregate(m=Max("code"))["m"]
    return f"{int(top) + 1:010d}" if top else "3100000001"


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School

    bureau = factory.SubFactory(BureauFactory)
    code = factory.LazyFunction(_next_code)
    name = factory.Sequence(lambda n: f"测试第{n}小学")
    stage = "primary"
    ownership = "public"
    students = 800
    staff = 60
    gate_count = 1


class SchoolGateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SchoolGate

    school = factory.SubFactory(SchoolFactory)
    name = "1号门"
    longitude = "121.400000"
    latitude = "31.100000"
    coord_system = "gcj02"


class PartnerUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerUnit

    bureau = factory.SubFactory(BureauFactory)
    name = factory.Sequence(lambda n: f"派出所{n}")
    kind = "police"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"用户{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def user_with_role(role: str, organisation, **kwargs) -> User:
    """A user holding ``role`` in ``organisation`` (bureau, department, school or partner)."""
    level = ROLE_LEVEL[role]
    bureau = organisation if level == OrgLevel.BUREAU else organisation.bureau
    user = UserFactory(bureau=bureau, **kwargs)
    field = {
        OrgLevel.BUREAU: "bureau",
        OrgLevel.DEPARTMENT: "department",
        OrgLevel.SCHOOL: "school",
        OrgLevel.PARTNER: "partner",
    }[level]
    RoleAssignment.objects.create(user=user, role=role, **{field: organisation})
    return user


def cover(partner: PartnerUnit, *schools: School) -> None:
    PartnerCoverage.objects.bulk_create(
        [PartnerCoverage(partner=partner, school=s) for s in schools]
    )


def count_queries(client, url: str, *, status: int = 200) -> int:
    """Queries of a GET of ``url``, after a warming GET that wrote the session's idle-timeout
    refresh (not due again for a minute). For pinning the query count of a page."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == status
    return len(ctx)


# --- the scope matrix ---------------------------------------------------------------------------


def scope_matrix(
    client,
    url: str,
    *,
    permitted=None,
    out_of_scope=(),
    wrong_role=(),
    method: str = "get",
    data=None,
    ok=(200, 302, 303),
    api: bool | None = None,
    content_type: str | None = None,
) -> dict[str, int]:
    """Check one URL the way every view and endpoint is checked (compare NetBox's
    ``GetObjectViewTestCase``): anonymous → the login page (a page) or 401/403 (the API); each
    ``wrong_role`` user (a role that does not reach the feature) → 403; each ``out_of_scope``
    user (the right role, another bureau, department or school) → 404; ``permitted`` → one of
    ``ok``. The permitted user goes last, so an action it takes cannot hide a wrong answer.

    Every mismatch is reported at once. Returns {who: status}.
    """
    api = url.startswith("/api/") if api is None else api
    kwargs = (
        {"content_type": content_type or "application/json"} if api and data is not None else {}
    )
    if api and data is not None and not content_type:
        import json

        data = json.dumps(data)

    def call():
        return (
            getattr(client, method)(url, data, **kwargs)
            if data is not None
            else getattr(client, method)(url, **kwargs)
        )

    seen: dict[str, int] = {}
    wrong: list[str] = []
    client.logout()
    response = call()
    seen["anonymous"] = response.status_code
    if api:
        if response.status_code not in (401, 403):
            wrong.append(f"anonymous: {response.status_code}, expected 401 or 403")
    elif response.status_code != 302 or "login" not in response.get("Location", ""):
        wrong.append(f"anonymous: {response.status_code}, expected a redirect to the login")
    for expected, users in ((403, wrong_role), (404, out_of_scope)):
        for user in users if isinstance(users, list | tuple) else [users]:
            client.force_login(user)
            status = call().status_code
            seen[str(user)] = status
            if status != expected:
                wrong.append(f"{user}: {status}, expected {expected}")
    if permitted is not None:
        client.force_login(permitted)
        status = call().status_code
        seen[str(permitted)] = status
        if status not in ok:
            wrong.append(f"{permitted}: {status}, expected one of {ok}")
    client.logout()
    assert not wrong, f"{method.upper()} {url}: " + "; ".join(wrong)
    return seen


def lifecycle_cases(lifecycle, roles):
    """Every (from status, action, role) of a lifecycle table, with whether the table allows it
    (its guard aside), as ``pytest.param``s: a test drives the service through each one and
    checks that it obeys the table, status by status and role by role."""
    import pytest

    cases = []
    for status in lifecycle.statuses:
        for action in lifecycle.actions():
            move = lifecycle.find(action, status)
            for role in roles:
                allowed = bool(move and role in move.roles)
                cases.append(
                    pytest.param(status, action, role, allowed, id=f"{status}-{action}-{role}")
                )
    return cases
