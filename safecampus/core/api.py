"""Shared API plumbing: pagination, JSON errors with a code and a Chinese message."""

from functools import cached_property, partial

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import exceptions, pagination, serializers
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from .access import scope_for
from .refusals import Code, errors_of, http_status, refusal_code


class Pagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


#: rows a capped count counts at most (see :class:`CappedPaginator`)
COUNT_CAP = 10_000
#: the cap for a text search. Matching a common word checks each candidate row's text, so
#: counting stops sooner; a search is for finding a few hazards, not for paging through 10,000.
SEARCH_COUNT_CAP = 1_000


def count_cap(params) -> int:
    """The count cap for a list request's query parameters (a ``QueryDict``)."""
    return SEARCH_COUNT_CAP if params.get("q", "").strip() else COUNT_CAP


class CappedPaginator(Paginator):
    """A paginator that counts at most ``cap`` rows.

    An exact ``COUNT(*)`` reads every row in scope: 0.3 s for a city's 4,000,000 hazards on
    PostgreSQL, whatever the index. This one counts ``SELECT … LIMIT cap + 1`` instead, which
    stops at the cap. Beyond it, ``count`` is ``cap`` and ``count_is_capped`` is true: pages
    up to the cap work as usual, and the rows past it are reached by narrowing the filters.
    """

    cap = COUNT_CAP
    count_is_capped = False

    def __init__(self, *args, cap: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if cap is not None:
            self.cap = cap

    @cached_property
    def count(self) -> int:
        if not isinstance(self.object_list, QuerySet):
            return super().count
        # the order cannot change how many rows there are; without it the database may stop
        # at the cap whichever way it reads them
        n = self.object_list.order_by()[: self.cap + 1].count()
        if n > self.cap:
            self.count_is_capped = True
            return self.cap
        return n


class CappedCountPagination(Pagination):
    """:class:`Pagination` for lists that reach millions of rows: the count stops at
    ``COUNT_CAP`` (``SEARCH_COUNT_CAP`` when the request has a text search ``q``) and the
    response says so in ``count_is_capped``. Opt in per view."""

    def paginate_queryset(self, queryset, request, view=None):
        self.django_paginator_class = partial(CappedPaginator, cap=count_cap(request.query_params))
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data):
        paginator = self.page.paginator
        return Response(
            {
                "count": paginator.count,
                "count_is_capped": paginator.count_is_capped,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        schema = super().get_paginated_response_schema(schema)
        count = {
            **schema["properties"].pop("count"),
            "description": (
                f"Rows matched, counted up to {COUNT_CAP:,} ({SEARCH_COUNT_CAP:,} with a text "
                "search `q`); when more match, this is the cap and `count_is_capped` is true."
            ),
        }
        capped = {
            "type": "boolean",
            "example": False,
            "description": (
                "True when more rows match than the cap. Pages reach only the first rows up to "
                "the cap (`next` is null on the last of them); narrow the filters to reach the "
                "others."
            ),
        }
        schema["properties"] = {"count": count, "count_is_capped": capped, **schema["properties"]}
        schema["required"] = [*schema.get("required", []), "count_is_capped"]
        return schema


def _named(flat, name: str) -> dict:
    if isinstance(flat, dict):
        return flat
    return {name: flat if isinstance(flat, list) else [flat]}


def _flatten(detail, prefix: str = ""):
    """Field errors as ``{field: [messages]}``; the errors of nested input (a list of rows, a
    row's fields) under dotted names (``answers.0.id``), as the schema's ``Error`` says."""
    if isinstance(detail, dict):
        out: dict = {}
        for k, v in detail.items():
            name = f"{prefix}.{k}" if prefix else str(k)
            flat = _flatten(v, name)
            out.update(_named(flat, name))
        return out
    if isinstance(detail, list):
        if any(isinstance(d, dict | list) for d in detail):
            out = {}
            for i, d in enumerate(detail):
                name = f"{prefix}.{i}" if prefix else str(i)
                if isinstance(d, dict | list):
                    flat = _flatten(d, name)
                    out.update(_named(flat, name))
                elif str(d):
                    out.setdefault(prefix or "non_field_errors", []).append(str(d))
            return out
        return [str(d) for d in detail]
    return str(detail)


#: the codes a service's refusal may carry; any other code on a Django ``ValidationError`` (a
#: model field's ``max_length``, ``required`` …) is answered as ``invalid``
_REFUSAL_CODES = frozenset(c.value for c in Code)


def refusal_answer(exc: DjangoValidationError) -> Response:
    """A service's refusal (a coded Django ``ValidationError``) as the API's answer, with the
    status of ``core.refusals.HTTP_STATUS``; the request's transaction is rolled back, so
    nothing the refused call began is saved."""
    set_rollback()
    code = refusal_code(exc)
    if code not in _REFUSAL_CODES:
        code = Code.INVALID.value
    errors = errors_of(exc)
    message = next((ms[0] for ms in errors.values() if ms), _("The input is not valid."))
    return Response({"code": code, "message": message, "errors": errors}, status=http_status(code))


def _first_message(errors) -> str | None:
    """The first message of nested field errors (a list of rows' errors, a row's fields …):
    a sentence for people, never the structure's repr."""
    if isinstance(errors, str):
        return errors
    values = errors.values() if isinstance(errors, dict) else errors
    for value in values:
        if found := _first_message(value):
            return found
    return None


def exception_handler(exc, context):
    """Every API error is ``{"code": ..., "message": ..., "errors": {...}}``.

    The one handler of every endpoint (``REST_FRAMEWORK["EXCEPTION_HANDLER"]``): DRF's own
    errors, and what the services and selectors raise: a coded refusal (rolled back, with its
    status), a record that does not exist or is outside the caller's scope (404), and a
    refusal of the caller's roles (403, with the service's reason when it gives one).
    """
    if isinstance(exc, DjangoValidationError):
        return refusal_answer(exc)
    if isinstance(exc, Http404 | ObjectDoesNotExist):
        exc = exceptions.NotFound(_("Not found, or outside your scope."))
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, exceptions.ParseError):
        # DRF's message carries the parser's own English text ("JSON parse error - Expecting
        # property name ..."): say it in the user's language instead
        exc = exceptions.ParseError(
            _("The request body cannot be read: it is not valid JSON or form data.")
        )
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else None
    if isinstance(exc, exceptions.ValidationError):
        code = "invalid"
        message = _("The input is not valid.")
        errors = _flatten(exc.detail)
        if isinstance(errors, list):
            errors = {"non_field_errors": errors}
        message = _first_message(errors) or message
        if isinstance(codes, dict):
            nfe = codes.get("non_field_errors")
            if isinstance(nfe, list) and nfe and nfe[0] in _REFUSAL_CODES:
                code = nfe[0]
    else:
        code = codes if isinstance(codes, str) else getattr(exc, "default_code", "error")
        message = str(getattr(exc, "detail", exc))
        errors = {}
    response.data = {"code": code, "message": message, "errors": errors}
    return response


# --- helpers of the endpoints' code and schema -----------------------------------------------


def who(capability) -> str:
    """The roles of a capability, for an endpoint's description in the schema."""
    return ", ".join(f"`{role}`" for role in sorted(capability))


def error(description: str) -> OpenApiResponse:
    """An error response of an endpoint, described; the schema hook (``core.schema``) gives
    every error response the one ``Error`` body."""
    return OpenApiResponse(description=description)


class AbsentToService:
    """A serializer field the schema marks required whose absence the service refuses, as the
    page's: an absent field reaches the service as ``absent`` (blank, or None), so the caller
    gets the service's own Chinese message and code (``comment_required`` …), the same as for a
    blank value."""

    absent = ""

    def __init__(self, **kwargs):
        kwargs["required"] = True
        super().__init__(**kwargs)

    def validate_empty_values(self, data):
        if data is serializers.empty:
            return True, self.absent
        return super().validate_empty_values(data)


class RequiredText(AbsentToService, serializers.CharField):
    """Text that is required, refused when absent or blank by the service (not the
    serializer): pass ``allow_blank=True``."""


class RequiredDate(AbsentToService, serializers.DateField):
    """A date that is required, refused when absent or null by the service (not the
    serializer): pass ``allow_null=True``."""

    absent = None


def key(pk) -> int:
    """A URL's key as an integer; one that cannot be a row's is simply not found (404, never
    a 500 from a database that cannot compare it)."""
    pk = str(pk)
    if not (pk.isascii() and pk.isdigit()) or int(pk) > 2**63 - 1:
        raise exceptions.NotFound(_("Not found, or outside your scope."))
    return int(pk)


#: the record's id in the path
ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The record's id.")

#: the errors of reading one record
NOT_FOUND = error("`not_found`: no such record, or it is outside the caller's scope.")


class IgnoreAccept(DefaultContentNegotiation):
    """For the endpoints that answer with a file: a file is what it is whatever the client
    accepts (an ``Accept: application/vnd.openxmlformats…`` is no reason for 406), and errors
    are JSON. Bodies are parsed as usual."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def file_answer(fileobj, name: str, *, content_type: str | None = None) -> FileResponse:
    """A file download: the same bytes and the same Chinese file name as the page's."""
    return FileResponse(fileobj, as_attachment=True, filename=name, content_type=content_type)


class JobStartedSerializer(serializers.Serializer):
    """The answer ``202`` of an endpoint that started a background job."""

    job = serializers.IntegerField(help_text="The job's id.")
    status = serializers.CharField(help_text="`pending` when just started.")
    url = serializers.URLField(help_text="Follow the job here: `/api/v1/jobs/{id}/`.")


#: the ``202`` response of an endpoint that may start a job, for its ``@extend_schema``
JOB_STARTED = OpenApiResponse(
    response=JobStartedSerializer,
    description="The work runs as a background job: follow `url` (`/api/v1/jobs/{id}/`); once "
    "it has finished, its `download_url` names the file it made.",
)


def job_answer(job, request) -> Response:
    """``202 Accepted`` for work started as a background job: where to follow it
    (``/api/v1/jobs/{id}/``, also in ``Location``) and, once it has finished, where its file
    is."""
    from django.urls import reverse

    url = request.build_absolute_uri(reverse("api-job-detail", args=[job.pk]))
    return Response(
        {"job": job.pk, "status": job.status, "url": url}, status=202, headers={"Location": url}
    )


def capability_permission(capability: frozenset[str], *, write: frozenset[str] | None = None):
    """A DRF permission class: reading needs ``capability``; writing needs ``write``."""

    class HasCapability(BasePermission):
        message = _("Your roles do not allow this.")
        #: read by the schema (:class:`safecampus.core.schema.AutoSchema`) to name the roles
        reads = capability
        writes = write if write is not None else capability

        def has_permission(self, request, view):
            scope = scope_for(request.user)
            if request.method in ("GET", "HEAD", "OPTIONS"):
                return scope.has(*capability)
            return scope.has(*(write if write is not None else capability))

    return HasCapability
