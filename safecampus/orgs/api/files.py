"""The school list's Excel export through the API, through the same function as the page
(``excel.export_schools``): the same roles and scope, the same workbook and Chinese file name,
the same audit record, and a job when the list is large."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.decorators import action as drf_action

from safecampus.core.api import JOB_STARTED, error, file_answer, job_answer, who
from safecampus.core.capabilities import SCHOOL_MANAGE
from safecampus.core.excel import XLSX_CONTENT_TYPE

from ..excel import EXPORT_INLINE_LIMIT, export_name, export_schools
from ..filtersets import SchoolFilterSet

#: the query string names the page and the API do not filter on
_PAGE_PARAMS = ("page", "page_size")

#: the list's filters (``SchoolFilterSet``, as ``GET /schools/``)
_FILTER_PARAMS = [
    OpenApiParameter(name, str, required=False, description=str(f.label or name))
    for name, f in SchoolFilterSet.base_filters.items()
]


class SchoolFilesMixin:
    """The file endpoints of ``SchoolViewSet`` (``/schools/export/``)."""

    @extend_schema(
        parameters=_FILTER_PARAMS,
        responses={
            (200, XLSX_CONTENT_TYPE): OpenApiResponse(
                OpenApiTypes.BINARY,
                description="The school list as filtered, an Excel workbook (学校名单) named in "
                "Chinese after the caller's scope and the day, as the page's.",
            ),
            202: JOB_STARTED,
            403: error(f"`permission_denied`: the caller holds none of {who(SCHOOL_MANAGE)}."),
        },
        summary="Export the school list to Excel",
        description="The filters of the school list. The same workbook and file name as the "
        f"page's export; the export is in the audit log. More than {EXPORT_INLINE_LIMIT:,} "
        f"schools: the workbook is written by a job (202). Roles: {who(SCHOOL_MANAGE)}, on "
        "the schools of their scope.",
    )
    @drf_action(
        detail=False,
        methods=["get"],
        url_path="export",
        url_name="export",
        filter_backends=[],
        pagination_class=None,
    )
    def export(self, request):
        filters = {k: v for k, v in request.GET.lists() if k not in _PAGE_PARAMS}
        job, tmp, _rows = export_schools(user=request.user, filters=filters)
        if job is not None:
            return job_answer(job, request)
        return file_answer(tmp, export_name(request.user), content_type=XLSX_CONTENT_TYPE)
