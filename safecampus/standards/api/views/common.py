"""Shared pieces of the standards API views: the error handler, the schema's error answers, ids
in the path, and which school's facts and card the caller reads.

Thin, as the register's and the duties' APIs: parse the input, call a selector or a service,
return the detail. Reads go through ``visible_to`` / ``restrict``, one object through
``core.access.get_for`` (404 out of scope, 403 when the action is not the caller's), features
through ``require`` with the ``STANDARDS_*`` capabilities. A refusal from the services becomes
``{"code", "message", "errors"}`` with the status of ``core.refusals.HTTP_STATUS`` (a stale
version 409, bad values 400 with messages per field).
"""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import viewsets

from safecampus.core.access import get_for, scope_for
from safecampus.core.roles import SCHOOL_ROLES
from safecampus.orgs.models import School

from ... import access
from ...models import (
    SecurityFacts,
)
from ..serializers import (
    ErrorSerializer,
)


def _who(capability) -> str:
    return ", ".join(f"`{role}`" for role in sorted(capability))


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(response=ErrorSerializer, description=description)


def _forbidden(capability) -> OpenApiResponse:
    return _error(f"`permission_denied`: the caller holds none of the roles {_who(capability)}.")


_NOT_FOUND = _error("`not_found`: no such object, or it is outside the caller's scope.")
_SCHOOL_ID = OpenApiParameter(
    "school_id", int, OpenApiParameter.PATH, description="The school's id."
)
_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The object's id.")


def facts_school(user, school_id: int) -> tuple[School, SecurityFacts | None]:
    """The school whose facts and card ``user`` reads, with its facts row (``None`` before the
    first record). The facts' own scope decides (a partner unit only when granted); before the
    first record, the school's staff and the bureau's card readers see the empty sheet. 404
    otherwise."""
    facts = SecurityFacts.objects.filter(school_id=school_id).values_list("pk", flat=True).first()
    if facts is not None:
        row = get_for(
            user,
            SecurityFacts.objects.select_related("school", "updated_by", "verified_by"),
            facts,
        )
        return row.school, row
    school = get_for(user, School, school_id)
    if not access.facts_roles(scope_for(user), school) & (access.CARD_READERS | SCHOOL_ROLES):
        raise Http404
    return school, None


class StandardsViewSet(viewsets.GenericViewSet):
    filter_backends: list = []
