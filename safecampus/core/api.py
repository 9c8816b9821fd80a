"""Shared API plumbing: pagination, JSON errors with a code and a Chinese message."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, pagination
from rest_framework.permissions import BasePermission
from rest_framework.views import exception_handler as drf_exception_handler

from .scoping import scope_for


class Pagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def _flatten(detail):
    if isinstance(detail, list):
        return [str(d) for d in detail]
    if isinstance(detail, dict):
        return {k: _flatten(v) for k, v in detail.items()}
    return str(detail)


def exception_handler(exc, context):
    """Every API error is ``{"code": ..., "message": ..., "errors": {...}}``."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages},
            code=getattr(exc, "code", None),
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(_("Not found, or outside your scope."))
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
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
        first = next(iter(errors.values()), None) if isinstance(errors, dict) else None
        if first and isinstance(first, list):
            message = first[0]
        if isinstance(codes, dict):
            nfe = codes.get("non_field_errors")
            if isinstance(nfe, list) and nfe and nfe[0] != "invalid":
                code = nfe[0]
    else:
        code = codes if isinstance(codes, str) else getattr(exc, "default_code", "error")
        message = str(getattr(exc, "detail", exc))
        errors = {}
    response.data = {"code": code, "message": message, "errors": errors}
    return response


def capability_permission(capability: frozenset[str], *, write: frozenset[str] | None = None):
    """A DRF permission class: reading needs ``capability``; writing needs ``write``."""

    class HasCapability(BasePermission):
        message = _("Your roles do not allow this.")

        def has_permission(self, request, view):
            scope = scope_for(request.user)
            if request.method in ("GET", "HEAD", "OPTIONS"):
                return scope.has(*capability)
            return scope.has(*(write if write is not None else capability))

    return HasCapability
