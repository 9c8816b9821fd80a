"""The API of the campaigns app (mounted under /api/v1/), scoped exactly as the pages:

- ``campaigns``: the campaigns the caller sees (the centre its bureau's, drafts too; the bureau's
  other readers the launched ones; a school those it has a form in), newest first, each with the
  forms the caller sees and how many are in (filters ``status``, ``year``); one campaign with
  its plan; ``progress`` (the figures of the campaign's page); and, for the centre, ``POST``
  (a draft from a template or blank, as the "new" page), ``PATCH`` (the edit page's fields),
  ``launch`` and ``close``.
- ``campaign-templates``: the shipped templates the "new" page offers.

Every change goes through ``campaigns.services`` (the same functions the pages call, which write
the same audit rows). A refusal is ``{"code", "message", "errors"}``: ``invalid`` and
``confirm_required`` 400, ``locked`` 409; nothing is changed.
"""

from __future__ import annotations

from django.db.models import prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from safecampus.core.api import (
    ID,
    NOT_FOUND,
    Pagination,
    capability_permission,
    error,
    job_answer,
    key,
    who,
)
from safecampus.core.capabilities import CAMPAIGN_MANAGE, CAMPAIGN_VIEW
from safecampus.core.refusals import Code, refuse

from .. import selectors, services
from ..blueprints import BLUEPRINTS
from ..models import Campaign
from .filters import CampaignFilterSet
from .serializers import (
    CampaignCreateSerializer,
    CampaignDetailSerializer,
    CampaignLaunchSerializer,
    CampaignProgressSerializer,
    CampaignSerializer,
    CampaignTemplateSerializer,
    CampaignUpdateSerializer,
    JobAcceptedSerializer,
    LaunchResultSerializer,
)

_FORBIDDEN_VIEW = error(f"`permission_denied`: the caller holds none of {who(CAMPAIGN_VIEW)}.")
_FORBIDDEN_MANAGE = error(
    f"`permission_denied`: the caller holds none of {who(CAMPAIGN_MANAGE)} (only the safety "
    "centre runs campaigns)."
)
_NOT_FOUND_RUN = error(
    "`not_found`: no such campaign, or not one of a bureau whose campaigns the caller runs."
)
_PLAN_INVALID = (
    "`invalid`: a missing name or forms deadline, a phase that ends before it starts, a "
    "catalog version that is not a published one of the bureau, no school type or an unknown "
    "school code for the chosen schools, an unknown template. Messages in Chinese; nothing is "
    "saved."
)


@extend_schema(tags=["campaigns"])
class CampaignViewSet(viewsets.GenericViewSet):
    """Campaigns (专项行动): the plan, its launch and close, and its progress."""

    permission_classes = [
        IsAuthenticated,
        capability_permission(CAMPAIGN_VIEW, write=CAMPAIGN_MANAGE),
    ]
    pagination_class = Pagination
    serializer_class = CampaignSerializer
    queryset = Campaign.objects.none()  # for the schema; reads go through the selectors
    filter_backends = [DjangoFilterBackend]
    filterset_class = CampaignFilterSet

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Campaign.objects.none()
        return selectors.campaign_list(self.request.user)

    def _detail(self, campaign: Campaign, status_code: int = 200) -> Response:
        return Response(self._detail_data(campaign), status=status_code)

    def _detail_data(self, campaign: Campaign) -> dict:
        campaign = selectors.campaign_for(self.request.user, campaign.pk)
        prefetch_related_objects([campaign], "phases", "milestones")
        return CampaignDetailSerializer(campaign, context=self._context()).data

    def _context(self) -> dict:
        return {
            "today": timezone.localdate(),
            "manage_bureau_ids": selectors.manage_bureau_ids(self.request.user),
        }

    @extend_schema(
        responses={
            200: CampaignSerializer(many=True),
            400: error("`invalid`: a filter value is not one of its kind."),
            403: _FORBIDDEN_VIEW,
        },
        summary="List the campaigns the caller sees",
        description="Newest first. The centre sees its bureau's campaigns, drafts too; the "
        "bureau's other readers the launched ones; a school the campaigns it has a form in. "
        f"Roles: {who(CAMPAIGN_VIEW)}.",
    )
    def list(self, request):
        qs = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(CampaignSerializer(page, many=True).data)

    @extend_schema(
        parameters=[ID],
        responses={200: CampaignDetailSerializer, 403: _FORBIDDEN_VIEW, 404: NOT_FOUND},
        summary="One campaign with its plan",
        description="Its phases, key deadlines, the phase today falls in and the next deadline; "
        "for a draft, how many schools its launch reaches and whether its forms deadline has "
        f"passed. Roles: {who(CAMPAIGN_VIEW)}, on the campaigns they see.",
    )
    def retrieve(self, request, pk=None):
        return self._detail(selectors.campaign_for(request.user, key(pk)))

    @extend_schema(
        parameters=[ID],
        responses={200: CampaignProgressSerializer, 403: _FORBIDDEN_VIEW, 404: NOT_FOUND},
        summary="The campaign's progress",
        description="The figures of the campaign's page over the forms the caller sees: forms "
        "by status, by school type and by department (with those awaiting the department's "
        f"review), and how many are late. Roles: {who(CAMPAIGN_VIEW)}.",
    )
    @action(detail=True, methods=["get"])
    def progress(self, request, pk=None):
        campaign = selectors.campaign_for(request.user, key(pk))
        forms = selectors.campaign_forms(request.user, campaign)
        progress = services.campaign_progress(campaign, forms)
        data = {
            "total": progress["total"],
            "late": progress["late"],
            "overall": progress["overall"],
            "by_stage": services.progress_by_stage(progress),
            "departments": progress["departments"],
        }
        return Response(CampaignProgressSerializer(data).data)

    @extend_schema(
        request=CampaignCreateSerializer,
        responses={
            201: CampaignDetailSerializer,
            400: error(_PLAN_INVALID),
            403: _FORBIDDEN_MANAGE,
        },
        summary="Plan a campaign (a draft)",
        description='As the "new" page: from a template (`blueprint`, its phases and '
        "deadlines shifted to `year`) or blank (`name` and `forms_due` needed), in the bureau "
        "of `catalog_version`. Check the schools and dates (`PATCH`), then `launch` it. "
        f"Roles: {who(CAMPAIGN_MANAGE)}.",
    )
    def create(self, request):
        serializer = CampaignCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        version = selectors.version_to_run(request.user, d["catalog_version"])
        if version is None:
            raise refuse(
                {"catalog_version": [_("Choose a published catalog version of this bureau.")]},
                Code.INVALID,
            )
        campaign = services.campaign_create(
            actor=request.user,
            catalog_version=version,
            blueprint=d["blueprint"],
            year=d["year"],
            name=d["name"],
            doc_number=d["doc_number"],
            forms_due=d["forms_due"],
        )
        return self._detail(campaign, status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[ID],
        request=CampaignUpdateSerializer,
        responses={
            200: CampaignDetailSerializer,
            400: error(_PLAN_INVALID),
            403: _FORBIDDEN_MANAGE,
            404: _NOT_FOUND_RUN,
            409: error("`locked`: the campaign is closed; it no longer changes."),
        },
        summary="Change a campaign's plan",
        description="As the edit page: any subset of its fields; the others keep their values. "
        "`phases` and `milestones`, when given, replace the plan's. After launch the schools "
        "(`school_selection`, `stages`, `school_codes`) and `catalog_version` are fixed and "
        "ignored. The page has no stale check, nor has this. "
        f"Roles: {who(CAMPAIGN_MANAGE)}, of the campaign's bureau.",
    )
    def partial_update(self, request, pk=None):
        campaign = selectors.campaign_to_run(request.user, key(pk))
        serializer = CampaignUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        plan = selectors.campaign_plan(campaign)
        data = {**plan["data"], **{k: v for k, v in d.items() if k in plan["data"]}}
        services.campaign_save(
            actor=request.user,
            bureau=campaign.bureau,
            campaign=campaign,
            data=data,
            phases=d.get("phases", plan["phases"]),
            milestones=d.get("milestones", plan["milestones"]),
            school_codes=d.get("school_codes", plan["school_codes"]) if campaign.is_draft else (),
        )
        return self._detail(campaign)

    @extend_schema(
        parameters=[ID],
        request=CampaignLaunchSerializer,
        responses={
            200: LaunchResultSerializer,
            202: OpenApiResponse(
                JobAcceptedSerializer,
                description="The campaign has more schools than are launched at once: a "
                "background job launches it; follow it at `url`.",
            ),
            400: error(
                "`confirm_required`: the draft's forms deadline has passed (every school "
                "would be late at once); send `confirm_past_deadline` true to launch anyway. "
                "`invalid`: no school is in the campaign's scope."
            ),
            403: _FORBIDDEN_MANAGE,
            404: _NOT_FOUND_RUN,
            409: error("`locked`: the campaign is closed."),
        },
        summary="Launch a campaign",
        description="As the page's button: every school in scope without a form gets one "
        "(again after schools were added: only the missing forms). A draft becomes launched. "
        f"Roles: {who(CAMPAIGN_MANAGE)}, of the campaign's bureau.",
    )
    @action(detail=True, methods=["post"])
    def launch(self, request, pk=None):
        campaign = selectors.campaign_to_run(request.user, key(pk))
        serializer = CampaignLaunchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        made, job = services.campaign_launch_request(
            actor=request.user,
            campaign=campaign,
            confirm_past_deadline=serializer.validated_data["confirm_past_deadline"],
        )
        if job is not None:
            return job_answer(job, request)
        return Response({"forms_made": made, "campaign": self._detail_data(campaign)})

    @extend_schema(
        parameters=[ID],
        request=None,
        responses={
            200: CampaignDetailSerializer,
            409: error("`invalid_transition`: only a launched campaign can be closed."),
            403: _FORBIDDEN_MANAGE,
            404: _NOT_FOUND_RUN,
        },
        summary="Close a campaign",
        description="As the page's button: a launched campaign is closed and no longer "
        f"changes. Roles: {who(CAMPAIGN_MANAGE)}, of the campaign's bureau.",
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        campaign = selectors.campaign_to_run(request.user, key(pk))
        services.campaign_close(actor=request.user, campaign_id=campaign.pk)
        return self._detail(campaign)


@extend_schema(tags=["campaigns"])
class CampaignTemplateViewSet(viewsets.GenericViewSet):
    """The shipped campaign templates."""

    permission_classes = [IsAuthenticated, capability_permission(CAMPAIGN_MANAGE)]
    pagination_class = Pagination
    serializer_class = CampaignTemplateSerializer

    queryset = Campaign.objects.none()  # for the schema; the templates are not rows

    def get_queryset(self):
        return list(BLUEPRINTS.values())

    @extend_schema(
        responses={200: CampaignTemplateSerializer(many=True), 403: _FORBIDDEN_MANAGE},
        summary="List the campaign templates",
        description='The templates the "new" page offers (`blueprint` of a new campaign), '
        "their phases and deadlines as month and day, each marked whether the document gives "
        f"it or the product suggests it. Roles: {who(CAMPAIGN_MANAGE)}.",
    )
    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(CampaignTemplateSerializer(page, many=True).data)


router = SimpleRouter()
router.register("campaigns", CampaignViewSet, basename="api-campaign")
router.register("campaign-templates", CampaignTemplateViewSet, basename="api-campaign-template")

urlpatterns = [*router.urls]
