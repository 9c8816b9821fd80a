"""Which bureau a login page belongs to, so that failed logins with unknown user names reach
the auditors of that bureau (and of the bureaus above it), never another bureau's.

A login page belongs to, first to last:

1. the bureau in its address: ``/accounts/login/<bureau id>/`` (the address a bureau gives its
   schools and staff, on a bookmark or a QR code);
2. the bureau of the last account that logged in successfully in this browser (a cookie);
3. ``SAFECAMPUS_LOGIN_BUREAU`` (a bureau id) when the deployment sets it;
4. the top-level bureau when there is exactly one (a district's or a city's own deployment).

Otherwise the page belongs to no bureau, and its unknown-name failures go to the auditors of the
top-level bureaus. The API's token endpoint takes an optional ``bureau`` id in its body; without
it, 3 and 4 apply.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.shortcuts import get_object_or_404

from safecampus.orgs.models import Bureau

COOKIE = "safecampus_login_bureau"
COOKIE_MAX_AGE = 365 * 24 * 3600


def default_login_bureau() -> Bureau | None:
    configured = getattr(settings, "SAFECAMPUS_LOGIN_BUREAU", None)
    if configured:
        return Bureau.objects.filter(pk=configured).first()
    roots = list(Bureau.objects.filter(parent__isnull=True).order_by("pk")[:2])
    return roots[0] if len(roots) == 1 else None


def login_bureau(request, bureau_id: int | None = None) -> Bureau | None:
    """The bureau whose login page ``request`` is on; 404 for an address naming no bureau."""
    if bureau_id is not None:
        return get_object_or_404(Bureau, pk=bureau_id)
    remembered = request.COOKIES.get(COOKIE, "")
    if re.fullmatch(r"[0-9]{1,18}", remembered) and (
        bureau := Bureau.objects.filter(pk=int(remembered)).first()
    ):
        return bureau
    return default_login_bureau()


def remember_login_bureau(response, user) -> None:
    """After a successful login: this browser's plain login page is now the user's bureau's."""
    if user.bureau_id:
        response.set_cookie(
            COOKIE,
            str(user.bureau_id),
            max_age=COOKIE_MAX_AGE,
            httponly=True,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
