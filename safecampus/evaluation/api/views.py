"""The API of the summary evaluation (mounted under /api/v1/), scoped exactly as the pages:

- ``evaluations``: the launched (or closed) campaigns the caller sees, each with its evaluation
  phase, feedback deadline and archive; one campaign's evaluation as its page shows it (phase,
  progress per department, readiness before archiving, the archive, the written documents
  offered); ``hazards`` its confirmation list (filters ``department``, ``state``,
  ``category``); ``confirm-all`` (as the register gives them); ``archive`` (``POST`` starts the
  archiving job, ``GET`` reads the archive as it was frozen, ``archive/hazards`` its hazards);
  ``archive.json.gz`` the snapshot; ``departments/{id}/material.docx`` a department's written
  material; ``summary`` (the written summary of the archive, a job) and
  ``summary/draft`` (a draft from the live data, a job).
- ``evaluation-hazards/{id}``: one campaign hazard with its confirmations; ``confirm`` states
  its summary category.

Every read goes through ``evaluation.selectors``, every write through ``evaluation.services``
(the jobs through ``core.jobs.job_start``, as the pages start them). A refusal is
``{"code", "message", "errors"}``; nothing is changed.
"""

from __future__ import annotations

import io

from django.core.exceptions import PermissionDenied
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from safecampus.campaigns.models import Campaign
from safecampus.core.access import require
from safecampus.core.api import (
    NOT_FOUND,
    IgnoreAccept,
    Pagination,
    capability_permission,
    error,
    file_answer,
    job_answer,
    key,
    who,
)
from safecampus.core.capabilities import EVALUATION_VIEW, REPORT_COMPILE, SUMMARY_CONFIRM
from safecampus.core.documents import DOCX_CONTENT_TYPE
from safecampus.core.refusals import Code, refuse
from safecampus.hazards.models import Hazard

from .. import material, selectors, services
from ..forms import confirmation_form
from ..models import ARCHIVE_READERS
from ..snapshot import summarise
from .serializers import (
    ArchivedHazardPageSerializer,
    ArchiveHazardFilterSerializer,
    ArchiveInputSerializer,
    ArchiveSerializer,
    ConfirmAllInputSerializer,
    ConfirmAllResultSerializer,
    ConfirmationRowFilterSerializer,
    ConfirmationRowSerializer,
    ConfirmInputSerializer,
    EvaluationCampaignSerializer,
    EvaluationHazardSerializer,
    EvaluationJobSerializer,
    EvaluationSerializer,
)

_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The campaign's id.")
_HAZARD_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The hazard's id.")
_FORBIDDEN_VIEW = error(f"`permission_denied`: the caller holds none of {who(EVALUATION_VIEW)}.")
_FORBIDDEN_CONFIRM = error(
    f"`permission_denied`: the caller holds none of {who(SUMMARY_CONFIRM)}, or is not the "
    "hazard's responsible department (nor the centre of its bureau)."
)
_FORBIDDEN_ARCHIVE = error(
    f"`permission_denied`: the caller holds none of {who(REPORT_COMPILE)} on the campaign's bureau."
)
_FORBIDDEN_SUMMARY = error(
    f"`permission_denied`: the caller holds none of {who(ARCHIVE_READERS)} on the campaign's "
    "bureau."
)
_CLOSED = (
    "`archived`: the campaign is archived; `no_phase`: it has no summary-and-evaluation phase; "
    "`not_started`: that phase has not started; `invalid`: the campaign is a draft"
)


class _Base(viewsets.GenericViewSet):
    permission_classes = [IsAuthenticated, capability_permission(EVALUATION_VIEW)]
    pagination_class = Pagination
    serializer_class = EvaluationCampaignSerializer

    def _campaign(self, pk, capability=EVALUATION_VIEW):
        """The campaign of the path, as the page finds it: 403 without ``capability``, 404
        outside the caller's scope."""
        require(self.request.user, capability)
        return selectors.campaign_get(user=self.request.user, pk=key(pk))


def _filters(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _started(request, job) -> Response:
    return job_answer(job, request)


@extend_schema(tags=["evaluation"])
class EvaluationViewSet(_Base):
    """The campaigns in summary evaluation."""

    queryset = Campaign.objects.none()  # for the schema; reads go through the selectors

    @extend_schema(
        responses={200: EvaluationCampaignSerializer(many=True), 403: _FORBIDDEN_VIEW},
        summary="Campaigns open to evaluation",
        description="The launched and closed campaigns the caller sees, newest first, each "
        "with its summary-and-evaluation phase, the departments' feedback deadline and its "
        f"archive (null until archived). Roles: {who(EVALUATION_VIEW)}.",
    )
    def list(self, request):
        page = self.paginate_queryset(selectors.evaluation_campaigns(user=request.user))
        selectors.attach_evaluation(page)
        return self.get_paginated_response(EvaluationCampaignSerializer(page, many=True).data)

    @extend_schema(
        parameters=[_ID],
        responses={200: EvaluationSerializer, 403: _FORBIDDEN_VIEW, 404: NOT_FOUND},
        summary="One campaign's evaluation",
        description="As the evaluation page shows it above its list: the phase, the hazards "
        "per department (confirmed, changed since, still to confirm, by category; late after "
        "the feedback deadline), whether the caller confirms and archives, why confirmations "
        "are closed, what is incomplete before the centre archives, the archive, and the "
        "written documents offered. A department officer counts its own department's hazards "
        f"only. Roles: {who(EVALUATION_VIEW)}.",
    )
    def retrieve(self, request, pk=None):
        campaign = self._campaign(pk)
        selectors.attach_evaluation([campaign])
        overview = selectors.evaluation_overview(
            user=request.user, campaign=campaign, today=timezone.localdate()
        )
        return Response(EvaluationSerializer({"campaign": campaign, **overview}).data)

    @extend_schema(
        parameters=[_ID, ConfirmationRowFilterSerializer],
        responses={
            200: ConfirmationRowSerializer(many=True),
            400: error("`invalid`: a filter value is not one of its kind."),
            403: _FORBIDDEN_VIEW,
            404: NOT_FOUND,
        },
        summary="The campaign's confirmation list",
        description="The campaign's hazards (withdrawn reports left out) whose category the "
        "caller states or oversees, by department, school and code, each with the category "
        "the register gives and its latest confirmation. Filters: `department`, `state` "
        "(`pending`: not confirmed, or the register changed since; `confirmed`), `category` "
        f"(as the register gives it). Roles: {who(EVALUATION_VIEW)}.",
    )
    @action(detail=True, methods=["get"])
    def hazards(self, request, pk=None):
        campaign = self._campaign(pk)
        f = _filters(ConfirmationRowFilterSerializer, request)
        rows = selectors.confirmation_rows(
            user=request.user,
            campaign=campaign,
            department_id=f.get("department"),
            state=f.get("state", ""),
            category=f.get("category", ""),
        )
        page = self.paginate_queryset(rows)
        selectors.attach_latest(page)
        return self.get_paginated_response(ConfirmationRowSerializer(page, many=True).data)

    @extend_schema(
        parameters=[_ID],
        request=ConfirmAllInputSerializer,
        responses={
            200: ConfirmAllResultSerializer,
            400: error(f"`invalid`: `department` is not an id; {_CLOSED}."),
            403: _FORBIDDEN_CONFIRM,
            404: NOT_FOUND,
        },
        summary="Confirm every hazard as the register gives it",
        description="Each hazard the caller confirms (of one `department` if given) not "
        "confirmed yet, or whose register category changed since, is confirmed as the "
        "register gives it; a hazard being resolved whose deadline is missing or past is "
        "skipped (its code is listed) for a date given one by one. "
        f"Roles: {who(SUMMARY_CONFIRM)}.",
    )
    @action(detail=True, methods=["post"], url_path="confirm-all")
    def confirm_all(self, request, pk=None):
        campaign = self._campaign(pk, SUMMARY_CONFIRM)
        serializer = ConfirmAllInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = services.summary_confirm_all(
            actor=request.user,
            campaign_id=campaign.pk,
            department_id=serializer.validated_data.get("department"),
        )
        return Response(ConfirmAllResultSerializer(result).data)

    @extend_schema(
        methods=["POST"],
        parameters=[_ID],
        request=ArchiveInputSerializer,
        responses={
            202: EvaluationJobSerializer,
            400: error(
                "`reason_required`: before the feedback deadline, archiving needs "
                "`override_reason`; `already_archived`: the campaign is archived already; "
                "`invalid`: the campaign is a draft."
            ),
            403: _FORBIDDEN_ARCHIVE,
            404: NOT_FOUND,
        },
        summary="Archive the campaign (a job)",
        description="Checks as the page does, then starts the archiving job: the campaign is "
        "frozen into its archive and closed if still open. Answers 202 with the job to "
        f"follow at `/api/v1/jobs/{{id}}/`. Roles: {who(REPORT_COMPILE)}.",
    )
    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        campaign = self._campaign(pk, REPORT_COMPILE)
        serializer = ArchiveInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        job = services.archive_start(
            actor=request.user,
            campaign=campaign,
            override_reason=serializer.validated_data.get("override_reason", ""),
        )
        return _started(request, job)

    @extend_schema(
        methods=["GET"],
        parameters=[_ID],
        responses={200: ArchiveSerializer, 403: _FORBIDDEN_SUMMARY, 404: NOT_FOUND},
        summary="The campaign's archive",
        description="The archive as it was frozen (nothing here reads the live register): "
        "its record, totals, the tables of the written summary and what was incomplete. "
        f"404 until the campaign is archived. Roles: {who(ARCHIVE_READERS)}.",
    )
    @archive.mapping.get
    def archive_detail(self, request, pk=None):
        archive = self._archive(pk)
        snapshot = archive.read_snapshot()
        return Response(
            ArchiveSerializer(
                {
                    "archive": archive,
                    "campaign": archive.campaign,
                    "totals": snapshot["totals"],
                    "tables": summarise(snapshot),
                    "incomplete": archive.incomplete,
                }
            ).data
        )

    def _archive(self, pk):
        require(self.request.user, ARCHIVE_READERS)
        return selectors.archive_get(user=self.request.user, campaign_pk=key(pk))

    @extend_schema(
        parameters=[_ID, ArchiveHazardFilterSerializer],
        responses={
            200: ArchivedHazardPageSerializer,
            400: error("`invalid`: a filter value is not one of its kind."),
            403: _FORBIDDEN_SUMMARY,
            404: NOT_FOUND,
        },
        summary="The archived hazards",
        description="The hazards as they were frozen in the archive, of one final `category` "
        f"and/or one `department` (its name). Roles: {who(ARCHIVE_READERS)}.",
    )
    @action(detail=True, methods=["get"], url_path="archive/hazards")
    def archive_hazards(self, request, pk=None):
        archive = self._archive(pk)
        f = _filters(ArchiveHazardFilterSerializer, request)
        hazards = selectors.archive_hazards(
            archive.read_snapshot(),
            category=f.get("category", ""),
            department=f.get("department", ""),
        )
        return self.get_paginated_response(self.paginate_queryset(hazards))

    @extend_schema(
        parameters=[_ID],
        responses={
            (200, "application/gzip"): bytes,
            403: _FORBIDDEN_SUMMARY,
            404: NOT_FOUND,
        },
        summary="Download the archive's snapshot",
        description="The frozen snapshot as gzipped JSON, named as the page names it "
        f"(`<campaign>_归档.json.gz`). Roles: {who(ARCHIVE_READERS)}.",
    )
    def archive_download(self, request, pk=None):
        archive = self._archive(pk)
        return file_answer(
            archive.snapshot.open("rb"),
            selectors.archive_file_name(archive),
            content_type="application/gzip",
        )

    @extend_schema(
        parameters=[_ID],
        request=None,
        responses={202: EvaluationJobSerializer, 403: _FORBIDDEN_SUMMARY, 404: NOT_FOUND},
        summary="Write the summary from the archive (a job)",
        description="Starts the job that writes the final written summary (Word) from the "
        "archive; its file is downloaded from the job. 404 until the campaign is archived. "
        f"Roles: {who(ARCHIVE_READERS)}.",
    )
    @action(detail=True, methods=["post"])
    def summary(self, request, pk=None):
        archive = self._archive(pk)
        return _started(request, services.summary_start(actor=request.user, archive=archive))

    @extend_schema(
        parameters=[_ID],
        request=None,
        responses={
            202: EvaluationJobSerializer,
            400: error(
                "`already_archived`: the summary is made from the archive; `invalid`: the "
                "campaign is a draft."
            ),
            403: _FORBIDDEN_SUMMARY,
            404: NOT_FOUND,
        },
        summary="Write a draft summary from the live data (a job)",
        description="Before the campaign is archived: starts the job that writes a draft of "
        "the written summary (marked 草稿) from the live register. "
        f"Roles: {who(ARCHIVE_READERS)}.",
    )
    @action(detail=True, methods=["post"], url_path="summary/draft")
    def summary_draft(self, request, pk=None):
        campaign = self._campaign(pk, ARCHIVE_READERS)
        job = services.summary_draft_start(actor=request.user, campaign=campaign)
        return _started(request, job)

    @extend_schema(
        parameters=[
            _ID,
            OpenApiParameter(
                "department_id", int, OpenApiParameter.PATH, description="The department's id."
            ),
        ],
        responses={(200, DOCX_CONTENT_TYPE): bytes, 403: _FORBIDDEN_CONFIRM, 404: NOT_FOUND},
        summary="A department's written material (Word)",
        description="The department's written material on the campaign's rectification, "
        "named as the page names it. The centre reads every department's, a department "
        f"officer its own. Roles: {who(SUMMARY_CONFIRM)}.",
    )
    def department_material(self, request, pk=None, department_id=None):
        campaign = self._campaign(pk, SUMMARY_CONFIRM)
        department = material.department_get(
            user=request.user, campaign=campaign, pk=key(department_id)
        )
        m = material.material_collect(user=request.user, campaign=campaign, department=department)
        return file_answer(
            io.BytesIO(material.material_document(m)),
            material.material_file_name(m),
            content_type=DOCX_CONTENT_TYPE,
        )


@extend_schema(tags=["evaluation"])
class EvaluationHazardViewSet(_Base):
    """A campaign hazard whose summary category is confirmed."""

    serializer_class = EvaluationHazardSerializer
    queryset = Hazard.objects.none()  # for the schema; reads go through the selectors

    def _hazard(self, pk):
        require(self.request.user, EVALUATION_VIEW)
        return selectors.confirmable_get(user=self.request.user, pk=key(pk))

    @extend_schema(
        parameters=[_HAZARD_ID],
        responses={200: EvaluationHazardSerializer, 403: _FORBIDDEN_VIEW, 404: NOT_FOUND},
        summary="One hazard's confirmations",
        description="The hazard's category as the register gives it, every confirmation so "
        "far (newest first), and whether the caller confirms it. "
        f"Roles: {who(EVALUATION_VIEW)}, on the hazards they state or oversee.",
    )
    def retrieve(self, request, pk=None):
        hazard = self._hazard(pk)
        hazard.history = list(selectors.confirmation_history(user=request.user, hazard=hazard))
        hazard.can_confirm = selectors.confirm_role(request.user, hazard) is not None
        hazard.closed_reason = services.closed_reason(hazard.campaign, timezone.localdate())
        return Response(EvaluationHazardSerializer(hazard).data)

    @extend_schema(
        parameters=[_HAZARD_ID],
        request=ConfirmInputSerializer,
        responses={
            200: EvaluationHazardSerializer,
            400: error(
                "`invalid`: no category (without `as_derived`), a category differing from the "
                "register's without `note`, a hazard being resolved without `complete_by` or "
                f"with one in the past; {_CLOSED}. Nothing is saved."
            ),
            403: _FORBIDDEN_CONFIRM,
            404: NOT_FOUND,
        },
        summary="Confirm the hazard's summary category",
        description="States the category: the one the register gives (`as_derived`, with "
        "the hazard's deadline), or another with a `note`. Confirming again adds a row; the "
        f"latest counts. Roles: {who(SUMMARY_CONFIRM)}: the hazard's responsible department, "
        "or the centre of its bureau on the department's behalf.",
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        hazard = self._hazard(pk)
        if selectors.confirm_role(request.user, hazard) is None:
            raise PermissionDenied(_("Only the responsible department confirms this hazard."))
        serializer = ConfirmInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        if d["as_derived"]:
            # the page's check of "confirm as derived", shared
            form = confirmation_form(hazard, {}, as_derived=True)
            if not form.is_valid():
                raise refuse(
                    {f: [str(m) for m in ms] for f, ms in form.errors.items()}, Code.INVALID
                )
            c = form.cleaned_data
            category, complete_by, note = c["category"], c["complete_by"], c["note"]
        else:
            if not d.get("category"):
                raise refuse({"category": [_("Choose one of the three categories.")]})
            category, complete_by, note = d["category"], d.get("complete_by"), d.get("note", "")
        services.summary_confirm(
            actor=request.user,
            hazard_id=hazard.pk,
            category=category,
            complete_by=complete_by,
            note=note,
        )
        return self.retrieve(request, pk=hazard.pk)


router = SimpleRouter()
router.register("evaluations", EvaluationViewSet, basename="evaluation")
router.register("evaluation-hazards", EvaluationHazardViewSet, basename="evaluation-hazard")

urlpatterns = [
    path(
        "evaluations/<str:pk>/archive.json.gz",
        EvaluationViewSet.as_view(
            {"get": "archive_download"}, content_negotiation_class=IgnoreAccept
        ),
        name="evaluation-archive-download",
    ),
    path(
        "evaluations/<str:pk>/departments/<str:department_id>/material.docx",
        EvaluationViewSet.as_view(
            {"get": "department_material"}, content_negotiation_class=IgnoreAccept
        ),
        name="evaluation-department-material",
    ),
    *router.urls,
]
