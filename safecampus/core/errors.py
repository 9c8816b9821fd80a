"""API errors as the documented JSON, also where DRF's exception handler never runs.

DRF turns the exceptions of its views into ``{"code", "message", "errors"}``
(:func:`safecampus.core.api.exception_handler`). What it does not see is answered by Django
with an HTML page: a URL under ``/api/`` that matches nothing (404), and an uncaught exception
(500), including the database being unreachable. :class:`ApiExceptionMiddleware` and the
``handler*`` views below answer those in the same JSON for ``/api/`` paths, and leave the
HTML pages to everything else.
"""

from __future__ import annotations

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults

logger = logging.getLogger("safecampus.errors")

API_PREFIX = "/api/"


def is_api(request) -> bool:
    return request.path.startswith(API_PREFIX)


def error_response(status: int, code: str, message: str, errors: dict | None = None, **headers):
    response = JsonResponse(
        {"code": code, "message": message, "errors": errors or {}},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def exception_response(exc: BaseException):
    """503 ``database_unavailable`` when the database cannot be reached, else 500."""
    if isinstance(exc, OperationalError | InterfaceError):
        return error_response(
            503,
            "database_unavailable",
            _("The database cannot be reached at the moment. Try again in a few minutes."),
            Retry_After="30",
        )
    return error_response(
        500,
        "server_error",
        _("The server met an error and the request was not completed. Try again later."),
    )


class ApiExceptionMiddleware:
    """An exception a view under ``/api/`` did not handle becomes the JSON error (also with
    ``DEBUG``, where Django would show its technical page)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_api(request):
            return None
        from django.core.exceptions import PermissionDenied
        from django.http import Http404

        from .db import is_locked_error

        if isinstance(exception, Http404 | PermissionDenied):
            return None  # Django's handlers below answer these
        if is_locked_error(exception):
            return None  # SQLite busy, not down: DatabaseBusyMiddleware answers 503 database_busy
        logger.error("API error on %s %s", request.method, request.path, exc_info=exception)
        return exception_response(exception)


def handler400(request, exception=None):
    if is_api(request):
        return error_response(400, "bad_request", _("The request is not valid."))
    return defaults.bad_request(request, exception)


def handler403(request, exception=None):
    if is_api(request):
        return error_response(403, "permission_denied", _("Your roles do not allow this."))
    return defaults.permission_denied(request, exception)


def handler404(request, exception=None):
    if is_api(request):
        return error_response(404, "not_found", _("Not found, or outside your scope."))
    return defaults.page_not_found(request, exception)


def handler500(request):
    if is_api(request):
        exc = sys.exc_info()[1]
        return exception_response(exc) if exc is not None else exception_response(Exception())
    return defaults.server_error(request)


def csrf_failure(request, reason=""):
    """``CSRF_FAILURE_VIEW``: Django's own page is in English and styled inline (which the
    Content-Security-Policy blocks). Most often the form was open while its token changed
    (a login in another tab): say so, in the product's language and page."""
    message = _(
        "This page has expired: its security token is no longer valid (for instance after "
        "logging in or out in another tab). Reload the page and try again."
    )
    if is_api(request):
        return error_response(403, "csrf_failed", message)
    from django.shortcuts import render

    return render(request, "403.html", {"exception": message}, status=403)
