"""What every zone endpoint shares: the exception handler and the schema's small helpers."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions
from rest_framework.views import set_rollback

from safecampus.core.api import exception_handler as core_exception_handler
from safecampus.core.refusals import refusal_response
from safecampus.hazards.api.serializers import ErrorSerializer


def exception_handler(exc, context):
    """The shared handler, plus what the services raise: coded refusals (rolled back), a
    record outside the caller's scope (404) and a refusal of the caller's roles (403)."""
    if isinstance(exc, DjangoValidationError):
        set_rollback()
        return refusal_response(exc)
    if isinstance(exc, ObjectDoesNotExist | Http404):
        exc = exceptions.NotFound(_("Not found, or outside your scope."))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    return core_exception_handler(exc, context)


def who(capability) -> str:
    """The roles of a capability, for an endpoint's description."""
    return ", ".join(f"`{role}`" for role in sorted(capability))


def error(description: str) -> OpenApiResponse:
    return OpenApiResponse(response=ErrorSerializer, description=description)


def key(pk) -> int:
    """A URL's key as an integer; one that cannot be a row's is simply not found."""
    pk = str(pk)
    if not (pk.isascii() and pk.isdigit()) or int(pk) > 2**63 - 1:
        raise exceptions.NotFound(_("Not found, or outside your scope."))
    return int(pk)
