"""A catalog version's Excel export through the API, through the same functions as the page
(``selectors.version_get``, ``excel.catalog_export_file``): the same scope check, the same
workbook and Chinese file name."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.decorators import action as drf_action

from safecampus.core.api import ID, error, file_answer, key, who
from safecampus.core.capabilities import CATALOG_VIEW
from safecampus.core.excel import XLSX_CONTENT_TYPE

from .. import selectors
from ..excel import catalog_export_file


class CatalogVersionFilesMixin:
    """The file endpoints of ``CatalogVersionViewSet`` (``/catalog/versions/{id}/export/``)."""

    @extend_schema(
        parameters=[ID],
        responses={
            (200, XLSX_CONTENT_TYPE): OpenApiResponse(
                OpenApiTypes.BINARY,
                description="The version's areas and items as an Excel workbook, named as the "
                "page's.",
            ),
            403: error(f"`permission_denied`: the caller holds none of {who(CATALOG_VIEW)}."),
            404: error("`not_found`: no such version, or outside the caller's scope."),
        },
        summary="Export a catalog version to Excel",
        description="The same workbook and file name as the catalog page's export link (the "
        f"form the import reads back). Roles: {who(CATALOG_VIEW)}, on their bureau's catalog.",
    )
    @drf_action(
        detail=True,
        methods=["get"],
        url_path="export",
        url_name="export",
        filter_backends=[],
        pagination_class=None,
    )
    def export(self, request, pk=None):
        version = selectors.version_get(user=request.user, pk=key(pk))
        tmp, name = catalog_export_file(version)
        return file_answer(tmp, name, content_type=XLSX_CONTENT_TYPE)
