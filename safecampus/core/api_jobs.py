"""The background jobs over HTTP (mounted under /api/v1/jobs/): the caller's own jobs, each
with its status, progress, result and errors, and the file it made.

A job belongs to the person who started it, and only while they still hold a role that may run
that kind of job (``JobQuerySet.scope_filter``): the same rule as the job pages. Endpoints that
start long work (an import, an export, a compiled report) answer ``202`` with the job's id and
this detail's address (:func:`safecampus.core.api.job_answer`).
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import exceptions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.routers import SimpleRouter

from .access import get_for
from .api import ID, NOT_FOUND, error, file_answer, key
from .models import Job

#: the kinds of file a job makes: a workbook (exports), a Word document (summaries), a zip of
#: forms; the type is the file name's (``file_answer``)
OUTPUT_TYPES = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/zip",
)


class JobErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(allow_null=True, required=False, help_text="The row (import).")
    column = serializers.CharField(allow_blank=True, required=False)
    message = serializers.CharField()


class JobSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    percent = serializers.IntegerField(read_only=True, help_text="0–100.")
    is_finished = serializers.BooleanField(read_only=True)
    is_stalled = serializers.BooleanField(
        read_only=True,
        help_text="Running, but its worker has not reported for three heartbeats; the job is "
        "retried once its lease runs out.",
    )
    attempt = serializers.IntegerField(source="attempt_number", read_only=True)
    attempt_limit = serializers.IntegerField(read_only=True)
    download_url = serializers.SerializerMethodField(
        help_text="Where the file the job made is downloaded; null until it has succeeded "
        "with a file."
    )

    class Meta:
        model = Job
        fields = [
            "id",
            "kind",
            "title",
            "status",
            "status_display",
            "done",
            "total",
            "percent",
            "is_finished",
            "is_stalled",
            "attempt",
            "attempt_limit",
            "created_at",
            "started_at",
            "finished_at",
            "output_name",
            "download_url",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_download_url(self, job) -> str | None:
        if job.status != Job.Status.SUCCEEDED or not job.output_file:
            return None
        return reverse("api-job-download", args=[job.pk], request=self.context.get("request"))


class JobDetailSerializer(JobSerializer):
    result = serializers.JSONField(
        read_only=True,
        help_text="What the job reports: counts (`rows`, `created`, `updated`, `saved` …), a "
        "`message`, and for a failed job the reason in `message`.",
    )
    errors = JobErrorSerializer(
        many=True, read_only=True, help_text="An import's refused rows, each in Chinese."
    )

    class Meta(JobSerializer.Meta):
        fields = [*JobSerializer.Meta.fields, "result", "errors"]
        read_only_fields = fields


@extend_schema(tags=["jobs"])
class JobViewSet(viewsets.GenericViewSet):
    """The caller's background jobs (导入、导出、汇总), newest first."""

    permission_classes = [IsAuthenticated]
    serializer_class = JobSerializer
    queryset = Job.objects.none()  # for the schema; reads go through the scope
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Job.objects.none()
        return Job.objects.visible_to(self.request.user)

    def _job(self, pk) -> Job:
        return get_for(self.request.user, Job, key(pk))

    @extend_schema(
        responses={200: JobSerializer(many=True)},
        summary="List the caller's jobs",
        description="Every signed-in person; each sees only the jobs they started, of the "
        "kinds their roles still run.",
    )
    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(
            JobSerializer(page, many=True, context={"request": request}).data
        )

    @extend_schema(
        parameters=[ID],
        responses={200: JobDetailSerializer, 404: NOT_FOUND},
        summary="One job: status, progress, result and errors",
        description="Poll this until `is_finished`; then `download_url` names the file, if "
        "the job made one. Another person's job is 404.",
    )
    def retrieve(self, request, pk=None):
        return self._response(self._job(pk))

    def _response(self, job):
        return Response(JobDetailSerializer(job, context={"request": self.request}).data)

    @extend_schema(
        parameters=[ID],
        responses={
            **{
                (200, media_type): OpenApiResponse(
                    response=OpenApiTypes.BINARY,
                    description="The file the job made (Excel, Word or zip), named in Chinese "
                    "in `Content-Disposition`.",
                )
                for media_type in OUTPUT_TYPES
            },
            404: error("`not_found`: no such job, another person's, or it has made no file (yet)."),
        },
        summary="Download the file a job made",
    )
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        job = self._job(pk)
        if job.status != Job.Status.SUCCEEDED or not job.output_file:
            raise exceptions.NotFound(_("This job has made no file to download."))
        return file_answer(job.output_file.open("rb"), job.output_name or "export.xlsx")


router = SimpleRouter()
router.register("jobs", JobViewSet, basename="api-job")
urlpatterns = router.urls
