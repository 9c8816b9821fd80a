"""Scoped the same: for every role of the demo district, each page without a parameter and the
API reads the inventory (``test_api_parity``) gives it answer alike: the API refuses (403)
exactly where the page refuses, and never fails (5xx)."""

from django.contrib.auth import get_user_model
from django.urls import NoReverseMatch, reverse

from .test_api_parity import INVENTORY, NOT_YET, PAGE_ONLY

#: one login of each role of the demo district (``demo.organisations``)
LOGINS = (
    "sysadmin",
    "secadmin",
    "auditor",
    "centre",
    "leader",
    "pj1",
    "inspector",
    "school",
    "principal",
    "kg",
    "police",
    "city",
)

#: query parameters an API read needs where its page needs none
QUERY = {"/api/v1/spot-check-items/": {"mine": "true"}}

#: (API path, login): where the API and its pages answer differently on purpose
DIFFERENT = {
    # school staff are sent from the district dashboard to their school's; the API refuses
    # them and names it instead (`dashboard/schools/{id}/`)
    ("/api/v1/dashboard/", "school"),
    ("/api/v1/dashboard/", "principal"),
    ("/api/v1/dashboard/", "kg"),
    # the organisation tree is reference data every caller of the API needs (to name a
    # department or a school); its page is where administrators edit it
    *{
        (path, login)
        for path in ("/api/v1/regions/", "/api/v1/bureaus/", "/api/v1/departments/")
        for login in ("secadmin", "auditor", "school", "principal", "kg", "police")
    },
    # the messages page greets everyone (their own e-mail preferences); its figures are for
    # the people who keep robots
    *{
        ("/api/v1/message-figures/", login)
        for login in ("sysadmin", "secadmin", "auditor", "leader", "inspector", "police")
    },
    # the API keeps the reference reads of the catalog and the rule sets to the roles that
    # work with them; the pages also show them to the administrators and the auditor
    *{("/api/v1/catalog/versions/", login) for login in ("secadmin", "auditor")},
    *{("/api/v1/rule-sets/", login) for login in ("sysadmin", "secadmin", "auditor")},
    # a school reads its own incidents' and disputes' figures through the API (for its own
    # screens); the overview page is the bureau's
    *{
        (path, login)
        for path in ("/api/v1/incidents/figures/", "/api/v1/disputes/figures/")
        for login in ("school", "principal", "kg")
    },
}


def _reads() -> dict[str, list[tuple[str, str]]]:
    """Each API read without a path parameter, with the pages (name, URL) it serves."""
    reads: dict[str, list[tuple[str, str]]] = {}
    for name, ops in INVENTORY.items():
        if ops[0] in (PAGE_ONLY, NOT_YET):
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue  # a page with a parameter
        for op in ops:
            method, path = op.split(" ", 1)
            if method == "GET" and "{" not in path:
                reads.setdefault(path, []).append((name, url))
    return reads


def test_the_api_refuses_each_role_where_its_pages_refuse(demo_district, client):
    """An API read refuses a login (403) exactly when every page it serves refuses it: one
    list may serve several pages (the duty occurrences serve 我的任务, the excuses and the
    oversight list), and answers whoever one of them admits."""
    reads = _reads()
    assert len(reads) >= 40
    users = get_user_model().objects.in_bulk(LOGINS, field_name="username")
    assert set(users) == set(LOGINS)
    wrong = []
    for login in LOGINS:
        client.force_login(users[login])
        pages: dict[str, int] = {}
        for path, served in sorted(reads.items()):
            for name, url in served:
                if name not in pages:
                    pages[name] = client.get(url).status_code
                    assert pages[name] < 500, (login, name, pages[name])
            refused = all(pages[name] == 403 for name, _url in served)
            api = client.get(path, QUERY.get(path, {}))
            if api.status_code >= 500 or not api["Content-Type"].startswith(
                ("application/json", "application/vnd", "application/octet")
            ):
                wrong.append(f"{login} {path}: {api.status_code} {api['Content-Type']}")
            elif refused != (api.status_code == 403) and (path, login) not in DIFFERENT:
                shown = ", ".join(f"{name} {pages[name]}" for name, _url in served)
                wrong.append(f"{login} {path} {api.status_code}: {shown}")
    assert not wrong, "\n".join(wrong)
