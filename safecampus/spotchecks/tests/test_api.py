"""The spot check API: scoped as the pages (another bureau 404, a role the feature does not reach
403), each action through the same service as the page (same effect, same event), bad input 400
with a Chinese message and nothing saved, lists with a fixed number of queries, photos served
only inside the scope."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.client import MULTIPART_CONTENT
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from safecampus.accountability.models import AccountabilityRecord
from safecampus.core.roles import Role
from safecampus.core.testing import scope_matrix
from safecampus.hazards import evidence as hazard_evidence
from safecampus.hazards.choices import Status
from safecampus.hazards.models import Hazard
from safecampus.hazards.testing import jpeg_upload
from safecampus.spotchecks import selectors, services
from safecampus.spotchecks.models import (
    Result,
    SpotCheck,
    SpotCheckEvent,
    SpotCheckEvidence,
    SpotCheckItem,
)

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

CHECKS = "/api/v1/spot-checks/"
ITEMS = "/api/v1/spot-check-items/"
EVIDENCE = "/api/v1/spot-check-evidence/"
PHOTO_NAME = "现场照片.jpg"


def chinese(text: str) -> bool:
    return bool(re.search(r"[\u4e00-\u9fff]", text))


def _json(client, url, data):
    return client.post(url, data, content_type="application/json")


class Rewound:
    """An upload the test client reads whole each time it posts it (once per user)."""

    def __init__(self, upload):
        self.upload = upload
        self.name = upload.name
        self.content_type = upload.content_type

    def read(self):
        self.upload.seek(0)
        return self.upload.read()


def _assign(sc, check, hazard, inspector) -> SpotCheckItem:
    item = SpotCheckItem.objects.get(spot_check=check, hazard=hazard)
    services.spot_check_assign(
        actor=sc.leader, spot_check=check, inspector=inspector, item_ids=[item.pk]
    )
    return item


@pytest.fixture
def recorded(sc):
    """A check of every claimed hazard; the closed one (普教一科) found not as claimed by the
    inspector, with a photo; the others pending."""
    check = sc.order()
    item = _assign(sc, check, sc.closed, sc.inspector)
    services.spot_check_record(
        actor=sc.inspector,
        item=item,
        result=Result.NOT_AS_CLAIMED,
        finding="未整改",
        checked_on=timezone.localdate(),
        files=[jpeg_upload(PHOTO_NAME)],
    )
    sc.check, sc.item, sc.evidence = check, item, SpotCheckEvidence.objects.get()
    return sc


def _outsiders(sc):
    u = sc.users
    return [u[Role.SCHOOL_OFFICER], u[Role.PRINCIPAL], u[Role.PARTNER], u[Role.AUDITOR]]


def _events(check) -> list[tuple]:
    return [
        (e.action, e.actor_id, e.actor_role)
        for e in SpotCheckEvent.objects.filter(spot_check=check).order_by("at", "id")
    ]


# --- the scope matrix of every endpoint -------------------------------------------------------


def test_every_read_answers_the_scope_matrix(recorded, client):
    sc = recorded
    outsiders = _outsiders(sc)
    scope_matrix(client, CHECKS, permitted=sc.inspector, wrong_role=outsiders)
    scope_matrix(client, f"{ITEMS}?mine=true", permitted=sc.inspector, wrong_role=outsiders)
    for url in (
        f"{CHECKS}{sc.check.pk}/",
        f"{ITEMS}?spot_check={sc.check.pk}",
    ):
        # 安保科 sees the check (it drew its hazard)
        scope_matrix(
            client,
            url,
            permitted=sc.dept_user,
            out_of_scope=[sc.other_centre],
            wrong_role=outsiders,
        )
    for url in (
        f"{ITEMS}{sc.item.pk}/",
        f"{EVIDENCE}{sc.evidence.pk}/",
        f"{EVIDENCE}{sc.evidence.pk}/thumb/",
    ):
        # 安保科 does not see 普教一科's hazard, nor its photo
        scope_matrix(
            client,
            url,
            permitted=sc.dept_user,
            out_of_scope=[sc.other_centre, sc.other_dept_user],
            wrong_role=outsiders,
        )


def test_verify_answers_the_scope_matrix(recorded, client):
    sc = recorded
    scope_matrix(
        client,
        f"{CHECKS}{sc.check.pk}/verify/",
        method="post",
        data={},
        permitted=sc.dept_user,
        out_of_scope=[sc.other_centre],
        wrong_role=_outsiders(sc),
    )


def test_ordering_and_previewing_answer_the_scope_matrix(sc, client):
    data = {"percent": "100", "claims": ["resolved", "in_progress"], "title": "抽查", "seed": 1}
    wrong = [sc.inspector, sc.dept_user, *_outsiders(sc)]
    scope_matrix(
        client,
        f"{CHECKS}preview/",
        method="post",
        data=data,
        permitted=sc.leader,
        wrong_role=wrong,
    )
    assert not SpotCheck.objects.exists()
    scope_matrix(
        client, CHECKS, method="post", data=data, permitted=sc.leader, wrong_role=wrong, ok=(201,)
    )
    assert SpotCheck.objects.count() == 1


def test_assigning_and_recording_answer_the_scope_matrix(recorded, client):
    sc = recorded
    u = sc.users
    pending = SpotCheckItem.objects.get(spot_check=sc.check, hazard=sc.rectifying)
    scope_matrix(
        client,
        f"{CHECKS}{sc.check.pk}/assign/",
        method="post",
        data={"inspector": sc.inspector.pk, "items": [pending.pk]},
        permitted=sc.centre,
        out_of_scope=[sc.other_centre],
        # inspectors and departments record; they do not assign
        wrong_role=[sc.inspector, sc.dept_user, u[Role.SCHOOL_OFFICER], u[Role.PARTNER]],
    )
    scope_matrix(
        client,
        f"{ITEMS}{pending.pk}/result/",
        method="post",
        data={
            "result": Result.CONFIRMED,
            "checked_on": timezone.localdate().isoformat(),
            "files": [Rewound(jpeg_upload())],
        },
        content_type=MULTIPART_CONTENT,
        permitted=sc.inspector,  # the person assigned
        out_of_scope=[sc.other_centre, sc.other_dept_user],
        # 普教一科's officer sees the hazard of its department but is not assigned it
        wrong_role=[sc.dept_user, u[Role.SCHOOL_OFFICER], u[Role.PARTNER]],
    )
    pending.refresh_from_db()
    assert pending.result == Result.CONFIRMED and pending.recorded_by == sc.inspector


def test_an_id_that_is_not_one_is_404(recorded, client):
    client.force_login(recorded.centre)
    for pk in ("abc", "99999999999999999999999", "1.5"):
        for url in (
            f"{CHECKS}{pk}/",
            f"{ITEMS}{pk}/",
            f"{EVIDENCE}{pk}/",
            f"{EVIDENCE}{pk}/thumb/",
        ):
            response = client.get(url)
            assert response.status_code == 404, (url, response.content)
            assert response.json()["code"] == "not_found"
        for url in (f"{CHECKS}{pk}/verify/", f"{CHECKS}{pk}/assign/", f"{ITEMS}{pk}/result/"):
            assert _json(client, url, {}).status_code == 404, url


# --- the list and the detail ------------------------------------------------------------------


def test_the_list_newest_first_with_what_the_caller_sees(recorded, client, clock):
    sc = recorded
    clock.shift(hours=1)
    second = sc.order(title="第二次抽查", claims=["in_progress"])
    client.force_login(sc.inspector)
    rows = client.get(CHECKS).json()["results"]
    assert [r["id"] for r in rows] == [second.pk, sc.check.pk]
    first = rows[1]
    assert (first["seen"], first["recorded"], first["status"]) == (4, 1, "open")
    assert first["bureau"]["name"] == sc.bureau.name and first["ordered_by"]["id"] == sc.leader.pk
    # 安保科 sees the checks that drew its hazard, counting its own hazard only
    client.force_login(sc.other_dept_user)
    rows = client.get(CHECKS).json()["results"]
    assert [(r["id"], r["seen"], r["recorded"]) for r in rows] == [
        (second.pk, 1, 0),
        (sc.check.pk, 1, 0),
    ]
    client.force_login(sc.other_centre)
    assert client.get(CHECKS).json()["results"] == []


def test_the_detail_has_the_draw_to_verify_for_those_who_see_it_whole(recorded, client):
    sc = recorded
    client.force_login(sc.inspector)
    body = client.get(f"{CHECKS}{sc.check.pk}/").json()
    assert body["seed"] == "12345" and body["whole"] is True
    assert body["claims"] == ["in_progress", "resolved"] and body["minimum_per_stratum"] == 1
    assert body["population"] == sc.check.population and body["population_size"] == 4
    assert "items" not in body  # the drawn hazards: paginated, at spot-check-items/?spot_check=
    items = client.get(f"{ITEMS}?spot_check={sc.check.pk}").json()["results"]
    assert {i["hazard"]["id"] for i in items} == {
        sc.closed.pk,
        sc.rectifying.pk,
        sc.other.pk,
        sc.nodept.pk,
    }
    assert sum(s["drawn"] for s in body["strata"]) == 4
    assert sum(s["recorded"] for s in body["strata"]) == 1
    assert body["can_assign"] is False and body["record_any"] is False
    assert body["inspectors"] == []  # nobody to offer to one who may not assign
    # a department: its own strata and items; the seed, not the population of others
    client.force_login(sc.other_dept_user)
    body = client.get(f"{CHECKS}{sc.check.pk}/").json()
    assert body["whole"] is False and body["seed"] == "12345"
    assert body["population"] is None and body["population_size"] is None
    items = client.get(f"{ITEMS}?spot_check={sc.check.pk}").json()["results"]
    assert [i["hazard"]["id"] for i in items] == [sc.other.pk]
    assert [s["department"] for s in body["strata"]] == ["安保科"]
    client.force_login(sc.leader)
    body = client.get(f"{CHECKS}{sc.check.pk}/").json()
    assert body["can_assign"] is True and body["record_any"] is True
    # whom assign/ may name: the page's assign form's choices, from the same selector
    candidates = selectors.inspector_candidates(bureau_id=sc.check.bureau_id)
    assert [(p["id"], p["label"]) for p in body["inspectors"]] == [
        (c.user.pk, c.label) for c in candidates
    ]
    assert sc.inspector.pk in {p["id"] for p in body["inspectors"]}
    assert sc.other_centre.pk not in {p["id"] for p in body["inspectors"]}


def _queries(client, url) -> int:
    client.get(url)  # the session's idle-timeout refresh is written once
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(ctx)


def _order_assigned(sc, n: int) -> SpotCheck:
    """Order checks (of every claimed hazard) until there are ``n``, each hazard assigned to
    the leader; the newest."""
    while SpotCheck.objects.count() < n:
        check = sc.order(title=f"抽查{SpotCheck.objects.count()}")
        services.spot_check_assign(
            actor=sc.leader,
            spot_check=check,
            inspector=sc.leader,
            item_ids=list(check.items.values_list("pk", flat=True)),
        )
    return SpotCheck.objects.order_by("-id").first()


def test_lists_read_a_fixed_number_of_queries(sc, client):
    """The checks, the leader's assignments, a check's hazards (and the check's detail, which
    lists them): as many queries for a few rows as for many."""
    client.force_login(sc.leader)
    newest = _order_assigned(sc, 2)  # 2 checks of 4 hazards each
    few = {
        "checks": _queries(client, CHECKS),
        "mine": _queries(client, f"{ITEMS}?mine=true"),
        "items": _queries(client, f"{ITEMS}?spot_check={newest.pk}"),
        "detail": _queries(client, f"{CHECKS}{newest.pk}/"),
    }
    for _i in range(16):
        sc.make("closed", risk_colour="red")
    newest = _order_assigned(sc, 20)  # 20 checks, the newest of 20 hazards
    assert client.get(CHECKS).json()["count"] == 20
    assert client.get(f"{ITEMS}?spot_check={newest.pk}").json()["count"] == 20
    assert client.get(f"{ITEMS}?mine=true").json()["count"] == 2 * 4 + 18 * 20
    many = {
        "checks": _queries(client, CHECKS),
        "mine": _queries(client, f"{ITEMS}?mine=true"),
        "items": _queries(client, f"{ITEMS}?spot_check={newest.pk}"),
        "detail": _queries(client, f"{CHECKS}{newest.pk}/"),
    }
    assert few == many
    assert many["checks"] <= 8 and many["mine"] <= 8, many


def test_my_assignments_pending_first_and_a_list_needs_a_filter(recorded, client):
    sc = recorded
    pending = _assign(sc, sc.check, sc.rectifying, sc.inspector)
    client.force_login(sc.inspector)
    rows = client.get(ITEMS, {"mine": "true"}).json()["results"]
    assert [r["id"] for r in rows] == [pending.pk, sc.item.pk]
    assert rows[0]["spot_check_title"] == sc.check.title and rows[1]["result"] == "not_as_claimed"
    response = client.get(ITEMS)
    assert response.status_code == 400 and response.json()["code"] == "invalid"
    assert chinese(response.json()["message"])
    response = client.get(ITEMS, {"spot_check": 2**63})  # beyond any id: bad input, not a 500
    assert response.status_code == 400 and "spot_check" in response.json()["errors"]
    # another bureau's check is not found
    client.force_login(sc.other_centre)
    assert client.get(ITEMS, {"spot_check": sc.check.pk}).status_code == 404


def test_the_item_detail_has_its_result_photos_and_what_the_caller_may_do(recorded, client):
    sc = recorded
    client.force_login(sc.dept_user)
    body = client.get(f"{ITEMS}{sc.item.pk}/").json()
    assert body["result"] == "not_as_claimed" and body["finding"] == "未整改"
    assert body["recorded_by"]["id"] == sc.inspector.pk and body["may_record"] is False
    [photo] = body["evidence"]
    assert photo["original_name"] == PHOTO_NAME
    assert photo["url"] == f"{EVIDENCE}{sc.evidence.pk}/"
    assert photo["thumbnail_url"] == f"{EVIDENCE}{sc.evidence.pk}/thumb/"
    pending = _assign(sc, sc.check, sc.rectifying, sc.inspector)
    client.force_login(sc.inspector)
    assert client.get(f"{ITEMS}{pending.pk}/").json()["may_record"] is True
    client.force_login(sc.dept_user)
    assert client.get(f"{ITEMS}{pending.pk}/").json()["may_record"] is False


# --- ordering -------------------------------------------------------------------------------


ORDER = {
    "title": "春季抽查",
    "percent": "50",
    "claims": ["resolved", "in_progress"],
    "minimum_per_stratum": 1,
    "seed": 42,
    "note": "随机抽查",
}


def test_ordering_through_the_api_is_the_page_s_order(sc, client):
    client.force_login(sc.centre)
    page = client.post(
        reverse("spotchecks:check_create"),
        {**ORDER, "bureau": sc.bureau.pk, "campaign": "", "order": "1"},
    )
    assert page.status_code == 302
    response = _json(client, CHECKS, ORDER)
    assert response.status_code == 201, response.content
    by_page, by_api = SpotCheck.objects.order_by("id")
    assert response.json()["id"] == by_api.pk and response.json()["seed"] == "42"
    for field in ("seed", "proportion", "claims", "population", "sample_size", "ordered_role"):
        assert getattr(by_api, field) == getattr(by_page, field), field
    assert by_api.proportion == Decimal("0.5") and by_api.note == "随机抽查"

    def drawn(check):
        return sorted(check.items.values_list("hazard_id", flat=True))

    assert drawn(by_api) == drawn(by_page) and len(drawn(by_api)) == 3
    [(page_event)] = SpotCheckEvent.objects.filter(spot_check=by_page)
    [(api_event)] = SpotCheckEvent.objects.filter(spot_check=by_api)
    assert (
        (api_event.action, api_event.actor, api_event.actor_role)
        == (
            page_event.action,
            page_event.actor,
            page_event.actor_role,
        )
        == ("order", sc.centre, Role.SAFETY_CENTRE)
    )
    assert api_event.data == page_event.data


def test_the_preview_says_what_an_order_would_draw_and_saves_nothing(sc, client):
    client.force_login(sc.leader)
    response = _json(client, f"{CHECKS}preview/", {**ORDER, "by_colour": True})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["population"], body["drawn"]) == (4, 4)
    assert {s["department"] for s in body["strata"]} == {"普教一科", "安保科", ""}
    assert not SpotCheck.objects.exists()


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"percent": "0"}, "percent", "invalid"),
        ({"percent": "150"}, "percent", "invalid"),
        ({"title": ""}, "title", "invalid"),
        ({"claims": []}, "claims", "invalid"),
        ({"claims": ["unknown"]}, "claims.0", "invalid"),  # nested: a dotted name
        ({"seed": -1}, "seed", "invalid"),
        ({"minimum_per_stratum": -1}, "minimum_per_stratum", "invalid"),
        ({"bureau": "other"}, "bureau", "invalid"),
        ({"campaign": 999999}, "campaign", "invalid"),
        ({"campaign": 2**63}, "campaign", "invalid"),
        ({"bureau": 2**63}, "bureau", "invalid"),
    ],
)
def test_an_order_with_bad_input_is_400_and_draws_nothing(sc, client, change, field, code):
    if change.get("bureau") == "other":
        change = {"bureau": sc.other_bureau.pk}
    client.force_login(sc.leader)
    response = _json(client, CHECKS, {**ORDER, **change})
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == code, body
    assert any(k == field or k.split(".")[0] == field for k in body["errors"]), body
    assert chinese(body["message"]), body
    assert not SpotCheck.objects.exists() and not SpotCheckEvent.objects.exists()


def test_an_order_of_an_empty_population_is_refused(sc, client):
    Hazard.objects.filter(status=Status.CLOSED).update(status=Status.HARD)
    client.force_login(sc.leader)
    response = _json(client, CHECKS, {**ORDER, "claims": ["resolved"]})
    assert response.status_code == 400 and response.json()["code"] == "empty"
    assert chinese(response.json()["message"]) and not SpotCheck.objects.exists()


# --- verifying --------------------------------------------------------------------------------


def test_verify_draws_again_and_compares(sc, client):
    check = sc.order(proportion=Decimal("0.5"))
    url = f"{CHECKS}{check.pk}/verify/"
    client.force_login(sc.inspector)
    body = _json(client, url, {}).json()
    assert body["match"] is True and body["differences"] == []
    assert body["stored"] == body["again"] and len(body["stored"]) == 3
    # someone swaps the drawn hazard of 普教一科 for the one not drawn
    drawn = SpotCheckItem.objects.get(spot_check=check, stratum=f"d{sc.department.pk}")
    spared = ({sc.closed.pk, sc.rectifying.pk} - {drawn.hazard_id}).pop()
    SpotCheckItem.objects.filter(pk=drawn.pk).update(hazard_id=spared)
    body = _json(client, url, {}).json()
    assert body["match"] is False
    assert body["differences"] == sorted([drawn.hazard_id, spared])
    # the page says the same
    page = client.get(reverse("spotchecks:check_verify", args=[check.pk]))
    assert page.context["verification"].match is False
    # a department is told whether it matches, not which hazards of others differ
    client.force_login(sc.dept_user)
    body = _json(client, url, {}).json()
    assert body == {"match": False, "stored": None, "again": None, "differences": None}


# --- assigning ----------------------------------------------------------------------------------


def test_assigning_through_the_api_is_the_page_s_assignment(sc, client):
    by_page, by_api = sc.order(title="页面"), sc.order(title="接口")
    client.force_login(sc.leader)
    stratum = f"d{sc.department.pk}"
    page = client.post(
        reverse("spotchecks:check_assign", args=[by_page.pk]),
        {"inspector": sc.dept_user.pk, "stratum": stratum},
    )
    assert page.status_code == 302
    response = _json(
        client, f"{CHECKS}{by_api.pk}/assign/", {"inspector": sc.dept_user.pk, "stratum": stratum}
    )
    assert response.status_code == 200, response.content
    assert response.json()["assigned"] == 2
    assert response.json()["spot_check"]["id"] == by_api.pk

    def assigned(check):
        return sorted(
            SpotCheckItem.objects.filter(spot_check=check, inspector=sc.dept_user).values_list(
                "hazard_id", flat=True
            )
        )

    assert assigned(by_api) == assigned(by_page) == sorted([sc.closed.pk, sc.rectifying.pk])
    assert (
        _events(by_api)[1:] == _events(by_page)[1:] == [("assign", sc.leader.pk, Role.LEADERSHIP)]
    )
    page_event = SpotCheckEvent.objects.get(spot_check=by_page, action="assign")
    api_event = SpotCheckEvent.objects.get(spot_check=by_api, action="assign")
    assert page_event.data["stratum"] == api_event.data["stratum"] == stratum


def test_an_assignment_refused_is_400_and_changes_nothing(recorded, client):
    sc = recorded
    url = f"{CHECKS}{sc.check.pk}/assign/"
    other = SpotCheckItem.objects.get(spot_check=sc.check, hazard=sc.other)
    another_check = sc.order(title="另一次")
    foreign = SpotCheckItem.objects.filter(spot_check=another_check).first()
    client.force_login(sc.leader)
    before = _events(sc.check)
    for data, code, field in (
        # 普教一科's officer for 安保科's hazard
        ({"inspector": sc.dept_user.pk, "items": [other.pk]}, "wrong_department", "inspector"),
        # a result already recorded
        ({"inspector": sc.centre.pk, "items": [sc.item.pk]}, "recorded", "items"),
        # a hazard the check did not draw
        ({"inspector": sc.centre.pk, "items": [other.pk, foreign.pk]}, "invalid", "items"),
        # nobody of the bureau
        ({"inspector": sc.other_centre.pk, "items": [other.pk]}, "invalid", "inspector"),
        ({"inspector": sc.centre.pk}, "invalid", "items"),
        ({"inspector": "x", "items": [other.pk]}, "invalid", "inspector"),
        ({"inspector": 2**63, "items": [other.pk]}, "invalid", "inspector"),
        ({"inspector": sc.centre.pk, "items": [2**63]}, "invalid", "items.0"),
    ):
        response = _json(client, url, data)
        assert response.status_code == 400, (data, response.content)
        body = response.json()
        assert body["code"] == code and field in body["errors"], (data, body)
        assert chinese(body["message"]), body
    assert _events(sc.check) == before
    assert not SpotCheckItem.objects.filter(pk__in=[other.pk, foreign.pk], inspector__isnull=False)


# --- recording a result -------------------------------------------------------------------------


def _record(client, item, **data):
    body = {
        "result": Result.NOT_AS_CLAIMED,
        "finding": "整改未落实",
        "checked_on": timezone.localdate().isoformat(),
        "files": [jpeg_upload(PHOTO_NAME)],
        **data,
    }
    return client.post(f"{ITEMS}{item.pk}/result/", {k: v for k, v in body.items() if v != ...})


def test_recording_through_the_api_is_the_page_s_record(sc, client):
    by_page, by_api = sc.order(title="页面"), sc.order(title="接口")
    # the page's check is ordered first, so the API's result finds the hazard reopened: the
    # two results are of two hazards, each not as claimed
    page_item = _assign(sc, by_page, sc.closed, sc.inspector)
    api_item = _assign(sc, by_api, sc.rectifying, sc.inspector)
    client.force_login(sc.inspector)
    page = client.post(
        reverse("spotchecks:item_detail", args=[page_item.pk]),
        {
            "result": Result.NOT_AS_CLAIMED,
            "finding": "整改未落实",
            "checked_on": timezone.localdate().isoformat(),
            "files": [jpeg_upload(PHOTO_NAME)],
        },
    )
    assert page.status_code == 302
    response = _record(client, api_item)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["result"] == "not_as_claimed" and body["may_record"] is False
    assert [e["original_name"] for e in body["evidence"]] == [PHOTO_NAME]
    for item in (page_item, api_item):
        item.refresh_from_db()
        assert item.result == Result.NOT_AS_CLAIMED and item.recorded_by == sc.inspector
    # each hazard reopened, each with an accountability record
    assert Hazard.objects.get(pk=sc.closed.pk).status == Status.RECTIFYING
    assert AccountabilityRecord.objects.filter(spot_check_item=api_item).count() == 1
    assert AccountabilityRecord.objects.filter(spot_check_item=page_item).count() == 1
    assert _events(by_api) == _events(by_page)
    page_event = SpotCheckEvent.objects.get(item=page_item)
    api_event = SpotCheckEvent.objects.get(item=api_item)
    assert (
        (api_event.action, api_event.actor, api_event.actor_role)
        == (
            page_event.action,
            page_event.actor,
            page_event.actor_role,
        )
        == ("record", sc.inspector, Role.INSPECTOR)
    )
    assert api_event.data["result"] == page_event.data["result"] == "not_as_claimed"
    assert len(api_event.data["evidence"]) == 1 and api_event.data["accountability_record"]


def test_the_last_result_completes_the_check(sc, client):
    check = sc.order(claims=["resolved"])
    item = _assign(sc, check, sc.closed, sc.inspector)
    client.force_login(sc.inspector)
    assert _record(client, item, result=Result.CONFIRMED, finding="").status_code == 200
    check.refresh_from_db()
    assert check.status == "done"
    assert [a for a, *_ in _events(check)] == ["order", "assign", "record", "complete"]


@pytest.mark.parametrize(
    ("data", "code", "field"),
    [
        ({"files": ...}, "invalid", "files"),
        ({"result": ...}, "invalid", "result"),
        ({"result": "pending"}, "invalid", "result"),
        ({"finding": ""}, "invalid", "finding"),
        ({"checked_on": ...}, "invalid", "checked_on"),
        ({"checked_on": "2099-01-01"}, "invalid", "checked_on"),
        ({"checked_on": "2020-01-01"}, "invalid", "checked_on"),
        ({"checked_on": "yesterday"}, "invalid", "checked_on"),
    ],
)
def test_a_result_with_bad_input_is_400_and_saves_nothing(sc, client, data, code, field):
    check = sc.order()
    item = _assign(sc, check, sc.closed, sc.inspector)
    client.force_login(sc.inspector)
    response = _record(client, item, **data)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == code, body
    assert any(k == field or k.split(".")[0] == field for k in body["errors"]), body
    assert chinese(body["message"]), body
    item.refresh_from_db()
    assert item.result == Result.PENDING and not SpotCheckEvidence.objects.exists()
    assert Hazard.objects.get(pk=sc.closed.pk).status == Status.CLOSED
    assert not AccountabilityRecord.objects.exists()


def test_a_file_that_is_not_a_photo_or_too_large_is_refused(sc, client, monkeypatch):
    from django.core.files.uploadedfile import SimpleUploadedFile

    check = sc.order()
    item = _assign(sc, check, sc.closed, sc.inspector)
    client.force_login(sc.inspector)
    fake = SimpleUploadedFile("照片.jpg", b"\xff\xd8\xff not really a jpeg", "image/jpeg")
    response = _record(client, item, files=[fake])
    assert response.status_code == 400 and response.json()["code"] == "invalid"
    assert chinese(response.json()["message"])
    text = SimpleUploadedFile("说明.jpg", b"just text", "image/jpeg")
    response = _record(client, item, files=[text])
    assert response.status_code == 400 and response.json()["code"] == "invalid"
    monkeypatch.setattr(hazard_evidence, "MAX_EVIDENCE_BYTES", 100)
    response = _record(client, item)
    assert response.status_code == 400 and response.json()["code"] == "invalid"
    assert chinese(response.json()["message"])
    item.refresh_from_db()
    assert item.result == Result.PENDING and not SpotCheckEvidence.objects.exists()


def test_photos_are_checked_before_the_write_transaction(sc, client, monkeypatch):
    """Decoding the photo and making its thumbnail happen outside the service's transaction:
    at the depth of atomic blocks of the request itself."""
    check = sc.order()
    item = _assign(sc, check, sc.closed, sc.inspector)
    client.force_login(sc.inspector)
    depths = []
    real = hazard_evidence.check_upload

    def spy(upload):
        depths.append(len(connection.atomic_blocks))
        return real(upload)

    monkeypatch.setattr(hazard_evidence, "check_upload", spy)
    outside = len(connection.atomic_blocks)
    assert _record(client, item).status_code == 200
    assert depths and depths[0] == outside, (depths, outside)


def test_a_second_result_is_refused_and_only_the_person_assigned_records(recorded, client):
    sc = recorded
    client.force_login(sc.inspector)
    response = _record(client, sc.item, result=Result.CONFIRMED, finding="")
    assert response.status_code == 400 and response.json()["code"] == "already_recorded"
    assert "不可更改" in response.json()["message"]
    sc.item.refresh_from_db()
    assert sc.item.result == Result.NOT_AS_CLAIMED and SpotCheckEvidence.objects.count() == 1
    pending = _assign(sc, sc.check, sc.rectifying, sc.inspector)
    client.force_login(sc.dept_user)  # sees its department's hazard, is not assigned it
    response = _record(client, pending, result=Result.CONFIRMED, finding="")
    assert response.status_code == 403 and chinese(response.json()["message"])
    pending.refresh_from_db()
    assert pending.result == Result.PENDING
    # the centre records any hazard of its bureau
    client.force_login(sc.centre)
    assert _record(client, pending, result=Result.CONFIRMED, finding="").status_code == 200


# --- photos -------------------------------------------------------------------------------------


def test_a_photo_downloads_as_on_the_page(recorded, client):
    sc = recorded
    client.force_login(sc.inspector)
    response = client.get(f"{EVIDENCE}{sc.evidence.pk}/")
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    disposition = response["Content-Disposition"]
    assert "%E7%8E%B0%E5%9C%BA%E7%85%A7%E7%89%87.jpg" in disposition  # 现场照片.jpg
    page = client.get(sc.evidence.get_absolute_url())
    assert page["Content-Disposition"] == disposition
    assert b"".join(response.streaming_content) == b"".join(page.streaming_content)
    thumb = client.get(f"{EVIDENCE}{sc.evidence.pk}/thumb/")
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"
    # another bureau, or a department the hazard is not of: not found
    for user in (sc.other_centre, sc.other_dept_user):
        client.force_login(user)
        for url in (f"{EVIDENCE}{sc.evidence.pk}/", f"{EVIDENCE}{sc.evidence.pk}/thumb/"):
            response = client.get(url)
            assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_a_document_has_no_thumbnail(recorded, client):
    sc = recorded
    SpotCheckEvidence.objects.filter(pk=sc.evidence.pk).update(thumbnail="")
    client.force_login(sc.inspector)
    assert client.get(f"{EVIDENCE}{sc.evidence.pk}/thumb/").status_code == 404
    body = client.get(f"{ITEMS}{sc.item.pk}/").json()
    assert body["evidence"][0]["thumbnail_url"] is None


def test_the_register_s_api_filters_by_the_result_of_a_spot_check(recorded, client):
    """``spotchecks.filters`` adds the filter to the register's filter set: the hazards API
    has it as the register page does."""
    sc = recorded
    client.force_login(sc.centre)
    response = client.get("/api/v1/hazards/", {"spot_check": "not_as_claimed"})
    assert response.status_code == 200, response.content
    assert [h["id"] for h in response.json()["results"]] == [sc.closed.pk]
    pending = client.get("/api/v1/hazards/", {"spot_check": "pending"}).json()["results"]
    assert {h["id"] for h in pending} == {sc.rectifying.pk, sc.other.pk, sc.nodept.pk}


# --- the answers are what the schema says ---------------------------------------------------


def _json_schema(node):
    """OpenAPI 3.0's ``nullable`` in JSON Schema's words."""
    if isinstance(node, list):
        return [_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    node = {k: _json_schema(v) for k, v in node.items()}
    if node.pop("nullable", False):
        if "type" in node and "enum" not in node:
            node["type"] = [node["type"], "null"]
        else:
            node = {"anyOf": [node, {"type": "null"}]}
    return node


def test_answers_validate_against_the_schema(recorded, client):
    import jsonschema

    sc = recorded
    client.force_login(sc.leader)
    schema = client.get("/api/schema/", {"format": "json"}).json()
    pending = SpotCheckItem.objects.get(spot_check=sc.check, hazard=sc.rectifying)
    check, item = sc.check.pk, sc.item.pk
    calls = [
        # (user, path, method, url, body, status)
        (sc.leader, CHECKS, "get", CHECKS, None, 200),
        (sc.leader, CHECKS, "post", CHECKS, ORDER, 201),
        (sc.leader, CHECKS, "post", CHECKS, {**ORDER, "title": ""}, 400),
        (sc.leader, f"{CHECKS}preview/", "post", f"{CHECKS}preview/", ORDER, 200),
        (sc.inspector, f"{CHECKS}{{id}}/", "get", f"{CHECKS}{check}/", None, 200),
        (sc.other_dept_user, f"{CHECKS}{{id}}/", "get", f"{CHECKS}{check}/", None, 200),
        (sc.other_centre, f"{CHECKS}{{id}}/", "get", f"{CHECKS}{check}/", None, 404),
        (sc.inspector, f"{CHECKS}{{id}}/verify/", "post", f"{CHECKS}{check}/verify/", {}, 200),
        (sc.dept_user, f"{CHECKS}{{id}}/verify/", "post", f"{CHECKS}{check}/verify/", {}, 200),
        (
            sc.leader,
            f"{CHECKS}{{id}}/assign/",
            "post",
            f"{CHECKS}{check}/assign/",
            {"inspector": sc.inspector.pk, "items": [pending.pk]},
            200,
        ),
        (sc.inspector, f"{CHECKS}{{id}}/assign/", "post", f"{CHECKS}{check}/assign/", {}, 403),
        (sc.inspector, ITEMS, "get", f"{ITEMS}?mine=true", None, 200),
        (sc.dept_user, ITEMS, "get", f"{ITEMS}?spot_check={check}", None, 200),
        (sc.dept_user, ITEMS, "get", ITEMS, None, 400),
        (sc.dept_user, f"{ITEMS}{{id}}/", "get", f"{ITEMS}{item}/", None, 200),
        (sc.inspector, f"{ITEMS}{{id}}/", "get", f"{ITEMS}{pending.pk}/", None, 200),
        (sc.inspector, f"{ITEMS}{{id}}/result/", "post", f"{ITEMS}{item}/result/", {}, 400),
        (sc.dept_user, f"{ITEMS}{{id}}/result/", "post", f"{ITEMS}{pending.pk}/result/", {}, 403),
    ]
    for user, path, method, url, body, status in calls:
        client.force_login(user)
        response = client.get(url) if method == "get" else _json(client, url, body if body else {})
        assert response.status_code == status, (url, response.content)
        declared = schema["paths"][path][method]["responses"]
        assert str(status) in declared, (path, method, status)
        body_schema = {**declared[str(status)]["content"]["application/json"]["schema"]}
        body_schema["components"] = schema["components"]
        jsonschema.validate(response.json(), _json_schema(body_schema))
    client.force_login(sc.inspector)
    response = _record(client, pending, result=Result.CONFIRMED, finding="")
    assert response.status_code == 200, response.content
    declared = schema["paths"][f"{ITEMS}{{id}}/result/"]["post"]["responses"]["200"]
    jsonschema.validate(
        response.json(),
        _json_schema(
            {
                **declared["content"]["application/json"]["schema"],
                "components": schema["components"],
            }
        ),
    )


def test_the_schema_marks_required_what_a_result_is_refused_without(client):
    schemas = client.get("/api/schema/", {"format": "json"}).json()["components"]["schemas"]
    assert sorted(schemas["RecordRequest"]["required"]) == [
        "checked_on",
        "files",
        "finding",
        "result",
    ]
    detail = schemas["SpotCheckDetail"]
    assert "inspectors" in detail["properties"] and "items" not in detail["properties"]
