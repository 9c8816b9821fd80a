"""A school under 挂牌督办 (an open supervision record) is marked in the school list and on its
page, without a query per row."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from safecampus.accountability import services
from safecampus.accountability.models import RecordBasis, RecordKind
from safecampus.core.testing import SchoolFactory

pytestmark = pytest.mark.django_db

BADGE = 'data-testid="supervised-badge"'


def _supervise(sup, school):
    return services.record_open(
        actor=sup.leader,
        bureau_id=sup.bureau.pk,
        kind=RecordKind.SUPERVISION,
        basis=RecordBasis.HAZARD,
        reason="重大隐患挂牌督办",
        school=school,
    )


def _count(client, url):
    client.get(url)  # the session's idle-timeout refresh is written once a minute
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx), response.content.decode()


def test_badge_in_the_list_and_on_the_page(sup, client_for):
    record = _supervise(sup, sup.school_a)
    lifted = services.record_open(
        actor=sup.leader,
        bureau_id=sup.bureau.pk,
        kind=RecordKind.SUPERVISION,
        basis=RecordBasis.HAZARD,
        reason="已摘牌",
        school=sup.school_b,
    )
    services.record_close(actor=sup.leader, record_id=lifted.pk, comment="整改完成，摘牌")
    services.record_open(
        actor=sup.leader,
        bureau_id=sup.bureau.pk,
        kind=RecordKind.INTERVIEW,
        basis=RecordBasis.HAZARD,
        reason="约谈不是挂牌",
        school=sup.school_b,
    )
    client = client_for(sup.centre)
    _n, html = _count(client, reverse("orgs:school_list"))
    assert html.count(BADGE) == 1
    row_a = html[html.index(sup.school_a.name) :].split("</tr>")[0]
    assert BADGE in row_a
    page_a = client.get(sup.school_a.get_absolute_url()).content.decode()
    assert BADGE in page_a and record.get_absolute_url() in page_a
    assert BADGE not in client.get(sup.school_b.get_absolute_url()).content.decode()
    # the school itself sees it on its own page
    assert (
        BADGE in client_for(sup.school_user).get(sup.school_a.get_absolute_url()).content.decode()
    )


def test_school_list_query_count_does_not_grow_with_supervised_schools(sup, client_for):
    client = client_for(sup.centre)
    url = reverse("orgs:school_list")
    before, _html = _count(client, url)
    for _i in range(5):
        _supervise(sup, SchoolFactory(bureau=sup.bureau))
    after, html = _count(client, url)
    assert html.count(BADGE) == 5
    # session, user, scope (2), count, unread notifications, rows with the Exists annotation
    assert before == after == 7
