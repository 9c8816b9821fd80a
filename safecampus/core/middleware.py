import re
import time
import uuid

from django.http import JsonResponse
from django.middleware.common import CommonMiddleware as DjangoCommonMiddleware
from django.utils.http import escape_leading_slashes

from .context import client_ip, request_id

#: A proxy's request id is kept only if it is short and plain; anything else gets a fresh uuid.
_REQUEST_ID = re.compile(r"[\w.-]{1,64}")


class RequestIdMiddleware:
    """Gives each request an id (or keeps the proxy's ``X-Request-ID``) for the audit trail."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        rid = request.headers.get("X-Request-ID", "")
        if not _REQUEST_ID.fullmatch(rid):
            rid = uuid.uuid4().hex
        request.request_id = rid
        ip = request.META.get("REMOTE_ADDR")
        tokens = (request_id.set(rid), client_ip.set(ip))
        try:
            response = self.get_response(request)
        finally:
            request_id.reset(tokens[0])
            client_ip.reset(tokens[1])
        response["X-Request-ID"] = rid
        return response


class LanguageMiddleware:
    """Simplified Chinese unless the user chose another language (the language cookie set by
    Django's ``set_language`` view). The browser's Accept-Language is deliberately ignored: the
    product is Chinese by default whatever the machine's locale."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings
        from django.utils import translation

        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class SessionRefreshMiddleware:
    """Keeps the idle timeout sliding without writing the session on every request.

    ``SESSION_SAVE_EVERY_REQUEST`` would write the session row on each page, image and HTMX
    autosave: on SQLite that is one more turn at the database's single write lock per request,
    and under a burst of submissions those turns queue behind the submits. Here the session is
    marked modified (so ``SessionMiddleware`` saves it and pushes its expiry forward) only when
    its last refresh is older than ``SESSION_REFRESH_SECONDS``; an idle session therefore ends
    between ``SESSION_COOKIE_AGE - SESSION_REFRESH_SECONDS`` and ``SESSION_COOKIE_AGE`` after the
    last request. Nothing is held in process memory: the timestamp lives in the session."""

    KEY = "_refreshed_at"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.is_empty():
            return response
        from django.conf import settings

        now = int(time.time())
        last = session.get(self.KEY, 0)
        if not isinstance(last, int) or now - last >= settings.SESSION_REFRESH_SECONDS:
            session[self.KEY] = now
        return response


#: seconds a client is asked to wait before trying again when the database stayed busy
BUSY_RETRY_AFTER = 5


def busy_response(request):
    """503 with ``Retry-After``: the documented error JSON under /api/, a page otherwise."""
    from django.http import HttpResponse
    from django.template.loader import render_to_string
    from django.utils.translation import gettext as _

    from .errors import error_response, is_api

    message = _(
        "The system is busy and nothing of this request was saved. Please try again in a few "
        "seconds."
    )
    if is_api(request):
        return error_response(503, "database_busy", message, Retry_After=str(BUSY_RETRY_AFTER))
    # no context processors: they may read the database this request could not write
    response = HttpResponse(render_to_string("503.html", {"message": message}), status=503)
    response["Retry-After"] = str(BUSY_RETRY_AFTER)
    return response


def _note_locked(sender, request=None, **kwargs):
    """Mark a request whose uncaught exception is SQLite's lock (also one raised by a middleware
    after the view, such as the session save), for :class:`DatabaseBusyMiddleware`."""
    import sys

    from .db import is_locked_error

    if request is not None and is_locked_error(sys.exc_info()[1]):
        request._database_locked = True


class DatabaseBusyMiddleware:
    """The last resort for SQLite's single write lock. First in ``MIDDLEWARE``.

    Every write waits ``busy_timeout`` for the lock and is then started again a few times
    (``core.sqlite``, ``core.db.in_write_transaction``). A lock that outlasts all of that is
    not a server error: the failed write rolled back whole, so the person is told the system is
    busy and to try again (503 with ``Retry-After``), never shown a 500. A view's exception is
    answered here directly; one raised by another middleware after the view (the session save)
    has already become a 500 response, which is replaced."""

    def __init__(self, get_response):
        from django.core.signals import got_request_exception

        got_request_exception.connect(_note_locked, dispatch_uid="safecampus-database-locked")
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 500 and getattr(request, "_database_locked", False):
            return busy_response(request)
        return response

    def process_exception(self, request, exception):
        from .db import is_locked_error

        if not is_locked_error(exception):
            return None
        import logging

        logging.getLogger(__name__).warning(
            "database stayed locked after the retries: %s %s answered 503",
            request.method,
            request.path,
        )
        return busy_response(request)


class CommonMiddleware(DjangoCommonMiddleware):
    """Django's, but an API address without its final slash is answered with ``308 Permanent
    Redirect`` and a JSON body: a 308 is followed with the same method and body (a 301 turns a
    POST into a GET, which then fails with 405), and an API client is never sent HTML."""

    def process_request(self, request):
        if request.path_info.startswith("/api/") and self.should_redirect_with_slash(request):
            location = self.get_full_path_with_slash(request)
            response = JsonResponse({"location": location}, status=308)
            response["Location"] = location
            return response
        return super().process_request(request)

    def get_full_path_with_slash(self, request):
        # Django refuses (in DEBUG) to redirect a POST; a 308 keeps it a POST
        return escape_leading_slashes(request.get_full_path(force_append_slash=True))
