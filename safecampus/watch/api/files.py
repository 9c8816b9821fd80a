"""The files of the watch pages through the API: a roster's workbook, through the same function
as the page (``exports.roster_export``): the same scope check, bytes and Chinese file name."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.decorators import action as drf_action

from safecampus.core.api import ID, error, file_answer, key, who
from safecampus.core.capabilities import WATCH_VIEW
from safecampus.core.excel import XLSX_CONTENT_TYPE

from .. import exports


class RosterFilesMixin:
    """The file endpoints of ``RosterViewSet`` (``/watch-rosters/{id}/export/``)."""

    @extend_schema(
        parameters=[ID],
        responses={
            (200, XLSX_CONTENT_TYPE): OpenApiResponse(
                OpenApiTypes.BINARY, description="The roster's workbook, named as the page's."
            ),
            403: error(f"`permission_denied`: the caller holds none of {who(WATCH_VIEW)}."),
            404: error("`not_found`: no such roster, or outside the caller's scope."),
        },
        summary="Export a duty roster to Excel",
        description="The same workbook and file name as the roster page's export link. "
        f"Roles: {who(WATCH_VIEW)}, on the rosters of their scope.",
    )
    @drf_action(detail=True, methods=["get"], url_path="export", url_name="export")
    def export(self, request, pk=None):
        workbook, name = exports.roster_export(request.user, key(pk))
        return file_answer(workbook, name, content_type=XLSX_CONTENT_TYPE)
