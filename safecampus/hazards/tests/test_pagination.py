"""The register counts at most ``COUNT_CAP`` hazards (``SEARCH_COUNT_CAP`` for a text search),
on the page and in the API; pages up to the cap work as usual. Tested with caps of 3 (2 for a
search) and pages of 2."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from safecampus.core import api
from safecampus.core.api import COUNT_CAP
from safecampus.core.roles import Role
from safecampus.hazards import views

pytestmark = pytest.mark.django_db

URL = "/hazards/"
API = "/api/v1/hazards/"


@pytest.fixture
def five(reg, monkeypatch):
    """Five hazards at school A, newest first in ``reg.codes``; cap 3, pages of 2."""
    monkeypatch.setattr(api, "COUNT_CAP", 3)
    monkeypatch.setattr(api, "SEARCH_COUNT_CAP", 2)
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    reg.codes = [reg.make("reported").code for _ in range(5)][::-1]
    return reg


def _count_text(response) -> str:
    html = response.content.decode()
    start = html.index('data-testid="result-count">') + len('data-testid="result-count">')
    return html[start : html.index("</p>", start)]


def test_page_counts_up_to_the_cap_and_pages_up_to_it(five, client_for):
    client = client_for(five.users[Role.SAFETY_CENTRE])
    first = client.get(URL)
    page = first.context["page"]
    assert (page.paginator.count, page.paginator.count_is_capped) == (3, True)
    assert [h.code for h in page.object_list] == five.codes[:2]
    assert "3+" in _count_text(first)
    html = first.content.decode()
    pages = html[html.index('<ul class="pagination') :]
    assert "2+" in pages[: pages.index("</ul>")]  # "Page 1 of 2+"
    second = client.get(URL, {"page": 2})
    assert [h.code for h in second.context["page"].object_list] == five.codes[2:3]
    assert not second.context["page"].has_next()
    # past the cap: the last page, as for any page number past the end
    assert [h.code for h in client.get(URL, {"page": 3}).context["page"].object_list] == [
        five.codes[2]
    ]


def test_page_count_is_exact_below_the_cap(five, client_for):
    client = client_for(five.users[Role.SAFETY_CENTRE])
    response = client.get(URL, {"school": five.school_a.pk, "q": five.codes[0]})
    paginator = response.context["page"].paginator
    assert (paginator.count, paginator.count_is_capped) == (1, False)
    assert "+" not in _count_text(response)


def test_count_is_one_limited_query(five, client_for):
    client = client_for(five.users[Role.SAFETY_CENTRE])
    with CaptureQueriesContext(connection) as ctx:
        client.get(API)
    [count] = [q["sql"] for q in ctx.captured_queries if "COUNT(*)" in q["sql"]]
    assert "LIMIT 4" in count and "ORDER BY" not in count


def test_a_text_search_counts_up_to_the_lower_search_cap(five, client_for):
    client = client_for(five.users[Role.SAFETY_CENTRE])
    prefix = five.codes[0][:4]  # every code of the bureau starts with it
    page = client.get(URL, {"q": prefix}).context["page"]
    assert (page.paginator.count, page.paginator.count_is_capped) == (2, True)
    body = client.get(API, {"q": prefix, "page_size": 2}).json()
    assert (body["count"], body["count_is_capped"], body["next"]) == (2, True, None)
    assert [r["code"] for r in body["results"]] == five.codes[:2]


def test_api_counts_up_to_the_cap(five, client_for):
    client = client_for(five.users[Role.SAFETY_CENTRE])
    first = client.get(API, {"page_size": 2}).json()
    assert (first["count"], first["count_is_capped"]) == (3, True)
    assert [r["code"] for r in first["results"]] == five.codes[:2]
    assert first["next"] is not None and first["previous"] is None
    second = client.get(API, {"page_size": 2, "page": 2}).json()
    assert [r["code"] for r in second["results"]] == five.codes[2:3]
    assert second["next"] is None
    past = client.get(API, {"page_size": 2, "page": 3})
    assert (past.status_code, past.json()["code"]) == (404, "not_found")


def test_api_count_is_exact_below_the_cap(five, client_for):
    client = client_for(five.users[Role.SCHOOL_OFFICER])
    body = client.get(API, {"q": five.codes[0]}).json()
    assert (body["count"], body["count_is_capped"]) == (1, False)


def test_other_apis_keep_the_exact_count(reg, client_for):
    """The cap is opt-in: the schools API (shared pagination) has no ``count_is_capped``."""
    body = client_for(reg.users[Role.SAFETY_CENTRE]).get("/api/v1/schools/").json()
    assert body["count"] == 2 and "count_is_capped" not in body


def test_schema_documents_the_capped_count(reg, client_for):
    schema = client_for(reg.users[Role.SAFETY_CENTRE]).get("/api/schema/", {"format": "json"})
    page = schema.json()["components"]["schemas"]["PaginatedHazardListList"]
    assert page["required"] == ["count", "results", "count_is_capped"]
    assert list(page["properties"])[:2] == ["count", "count_is_capped"]
    assert page["properties"]["count_is_capped"]["type"] == "boolean"
    assert f"{COUNT_CAP:,}" in page["properties"]["count"]["description"]
    schools = schema.json()["components"]["schemas"]["PaginatedSchoolListList"]
    assert "count_is_capped" not in schools["properties"]
