"""Department reviews and on-site inspections over HTTP (mounted under /api/v1/), scoped exactly
as the pages (``views.review_queue``, ``form_review``, ``site_inspection_new``,
``site_inspection_detail``) and calling the same selectors and services:

- ``reviews/``: the forms awaiting the caller's department's review, across campaigns, oldest
  submission first: the review queue page (which has no filters), paginated.
- ``forms/{id}/accept/`` and ``forms/{id}/return/``: a department's decision on a submitted
  form (``services.form_review``, the page's one path: the same lifecycle move, review rows,
  event and, for a return, the school's notice). The page's review panel has one section per
  department the caller reviews the form for; ``department`` in the body names that section
  (absent: every such department still to review this submission, as the service does).
- ``site-inspections/``: the on-site inspections the caller reads (filters ``campaign``,
  ``school``), one with its findings, and recording one (``services.site_inspection_record``,
  as the page: one campaign, one of its schools, the items checked; each non-compliant finding
  becomes a hazard). ``site-inspections/new/?campaign=&school=`` answers what that page offers
  before it is posted: the campaign's schools, the caller's departments, the school's items.

A refusal is ``{"code", "message", "errors"}`` with the status of ``core.refusals.HTTP_STATUS``
(the one exception handler, ``core.api``); nothing is changed.
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from safecampus.core.access import require
from safecampus.core.api import ID, NOT_FOUND, Pagination, capability_permission, error, key, who
from safecampus.core.capabilities import CAMPAIGN_VIEW, FORM_REVIEW, SITE_INSPECT
from safecampus.core.refusals import Code, refuse

from .. import selectors, services
from ..choices import ReviewDecision
from ..models import InspectionForm, SiteInspection
from .review_filters import SiteInspectionFilterSet
from .review_serializers import (
    FormAcceptSerializer,
    FormReturnSerializer,
    ReviewedFormSerializer,
    ReviewQueueFormSerializer,
    SiteInspectionCreateSerializer,
    SiteInspectionDetailSerializer,
    SiteInspectionNewQuerySerializer,
    SiteInspectionNewSerializer,
    SiteInspectionSerializer,
)

# --- the review queue ---------------------------------------------------------------------------


@extend_schema(tags=["inspections"])
class ReviewQueueViewSet(viewsets.GenericViewSet):
    """The forms awaiting the caller's department's review."""

    permission_classes = [IsAuthenticated, capability_permission(FORM_REVIEW)]
    pagination_class = Pagination
    serializer_class = ReviewQueueFormSerializer
    queryset = InspectionForm.objects.none()  # for the schema; reads go through the selector

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return InspectionForm.objects.none()
        return selectors.review_queue(self.request.user)

    @extend_schema(
        responses={
            200: ReviewQueueFormSerializer(many=True),
            403: error(f"`permission_denied`: the caller holds none of {who(FORM_REVIEW)}."),
        },
        summary="The forms awaiting my department's review",
        description="Submitted forms, across campaigns, with an item of one of the caller's "
        "departments (any department, for the safety centre) that this department has not "
        "reviewed in the current submission round; oldest submission first, as the review "
        "queue page (which has no filters). Accept or return one at "
        "`/api/v1/forms/{id}/accept/` or `/return/`. "
        f"Roles: {who(FORM_REVIEW)}.",
    )
    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(ReviewQueueFormSerializer(page, many=True).data)


# --- a department's decision --------------------------------------------------------------------

_REVIEW_FORBIDDEN = error(
    f"`permission_denied`: the caller holds none of {who(CAMPAIGN_VIEW)}, or reads the form "
    f"but reviews none of its items (only {who(FORM_REVIEW)}: a department officer for its "
    "own department's items, the bureau's safety centre for every department), or not for "
    "the `department` named."
)
_REVIEW_CONFLICT = error(
    "`invalid_transition`: the form is not submitted (not yet, returned, or already "
    "accepted): only a submitted form awaiting review is accepted or returned; `locked`: the "
    "caller's department has already reviewed this submission."
)


@extend_schema(tags=["inspections"])
class FormReviewViewSet(viewsets.GenericViewSet):
    """A department's decision on a submitted self-inspection form."""

    permission_classes = [IsAuthenticated, capability_permission(CAMPAIGN_VIEW)]
    serializer_class = ReviewedFormSerializer
    queryset = InspectionForm.objects.none()  # for the schema

    def _review(self, request, pk, decision: str, serializer_class):
        form = selectors.form_for(request.user, key(pk))
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        services.form_review(
            actor=request.user,
            form_id=form.pk,
            decision=decision,
            reason=d.get("reason", ""),
            department_id=d.get("department"),
        )
        form = selectors.refresh(form)
        context = {"reviews": selectors.reviews(form)}
        return Response(ReviewedFormSerializer(form, context=context).data)

    @extend_schema(
        parameters=[ID],
        request=FormAcceptSerializer,
        responses={
            200: ReviewedFormSerializer,
            400: error("`invalid`: `department` is not an id."),
            403: _REVIEW_FORBIDDEN,
            404: NOT_FOUND,
            409: _REVIEW_CONFLICT,
        },
        summary="Accept a department's part of a submitted form",
        description="As the Accept button of the form page's review panel: the department "
        "(`department`, or every one the caller still reviews this submission for) accepts "
        "its items; the form stays submitted until the last department has accepted, which "
        "completes it (status `accepted`). Writes the form's `accept` event (and `complete` "
        f"for the last). Roles: {who(FORM_REVIEW)}.",
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._review(request, pk, ReviewDecision.ACCEPT, FormAcceptSerializer)

    @extend_schema(
        parameters=[ID],
        request=FormReturnSerializer,
        responses={
            200: ReviewedFormSerializer,
            400: error(
                "`reason_required`: no `reason` given; `invalid`: `department` is not an id."
            ),
            403: _REVIEW_FORBIDDEN,
            404: NOT_FOUND,
            409: _REVIEW_CONFLICT,
        },
        summary="Return a submitted form to the school, with a reason",
        description="As the Return button of the form page's review panel: the whole form "
        "goes back to the school (status `returned`) with the reason, which the school's "
        "safety officers and principal are told. Writes the form's `return` event. "
        f"Roles: {who(FORM_REVIEW)}.",
    )
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_form(self, request, pk=None):
        return self._review(request, pk, ReviewDecision.RETURN, FormReturnSerializer)


# --- on-site inspections ------------------------------------------------------------------------


def _site_inspections(user):
    return SiteInspection.objects.visible_to(user).select_related(
        "school", "campaign", "department"
    )


@extend_schema(tags=["inspections"])
class SiteInspectionViewSet(viewsets.GenericViewSet):
    """On-site inspections of schools by a department or the safety centre."""

    permission_classes = [
        IsAuthenticated,
        capability_permission(CAMPAIGN_VIEW, write=SITE_INSPECT),
    ]
    pagination_class = Pagination
    serializer_class = SiteInspectionSerializer
    queryset = SiteInspection.objects.none()  # for the schema
    filter_backends = [DjangoFilterBackend]
    filterset_class = SiteInspectionFilterSet

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SiteInspection.objects.none()
        return _site_inspections(self.request.user).order_by("-inspected_on", "-id")

    def _detail(self, pk, status_code: int = 200) -> Response:
        inspection = selectors.site_inspection_for(self.request.user, pk)
        context = {"findings": selectors.findings(inspection)}
        return Response(
            SiteInspectionDetailSerializer(inspection, context=context).data, status=status_code
        )

    @extend_schema(
        responses={
            200: SiteInspectionSerializer(many=True),
            400: error("`invalid`: `campaign` or `school` is not an id."),
            403: error(f"`permission_denied`: the caller holds none of {who(CAMPAIGN_VIEW)}."),
        },
        summary="List on-site inspections",
        description="The inspections the caller reads (the bureau's readers: every one of "
        "the bureau; a school: its own), newest first; filter by `campaign` (as the campaign "
        f"page lists them) and `school`. Roles: {who(CAMPAIGN_VIEW)}.",
    )
    def list(self, request):
        qs = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(SiteInspectionSerializer(page, many=True).data)

    @extend_schema(
        parameters=[ID],
        responses={
            200: SiteInspectionDetailSerializer,
            403: error(f"`permission_denied`: the caller holds none of {who(CAMPAIGN_VIEW)}."),
            404: NOT_FOUND,
        },
        summary="One on-site inspection with its findings",
        description="Each finding with its item, result, note and the hazard it became (if "
        f"non-compliant). Roles: {who(CAMPAIGN_VIEW)}.",
    )
    def retrieve(self, request, pk=None):
        return self._detail(key(pk))

    @extend_schema(
        parameters=[
            OpenApiParameter("campaign", int, required=True, description="The campaign."),
            OpenApiParameter(
                "school", int, required=False, description="The school chosen: its items."
            ),
        ],
        responses={
            200: SiteInspectionNewSerializer,
            400: error("`invalid`: `campaign` missing, or `campaign` or `school` not an id."),
            403: error(f"`permission_denied`: the caller holds none of {who(SITE_INSPECT)}."),
            404: error(
                "`not_found`: the campaign is outside the caller's scope, or the school is not "
                "one of the campaign's (with a form) that the caller sees."
            ),
        },
        summary="What recording an on-site inspection offers",
        description="As the page recording one, before it is posted: the campaign's schools "
        "the caller sees (at most 500, by name), the departments the caller records for, and "
        "for the `school` chosen its check items (each `id` is a finding's `item`), each with the "
        "department that takes it at that school (`department`, `department_name`), so a "
        "department officer can pick its own. "
        f"Roles: {who(SITE_INSPECT)}.",
    )
    @action(detail=False, methods=["get"], url_path="new", url_name="new")
    def new_form(self, request):
        require(request.user, SITE_INSPECT)
        query = SiteInspectionNewQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        q = query.validated_data
        campaign = selectors.campaign_for(request.user, q["campaign"])
        schools = selectors.inspectable_schools(request.user, campaign)
        school = selectors.inspectable_school(schools, q["school"]) if "school" in q else None
        answer = {
            "schools": selectors.school_choices(schools),
            "departments": list(selectors.inspecting_departments(request.user, campaign)),
            "school": school,
            "items": selectors.inspection_items(campaign, school) if school else [],
        }
        return Response(SiteInspectionNewSerializer(answer).data)

    @extend_schema(
        request=SiteInspectionCreateSerializer,
        responses={
            201: SiteInspectionDetailSerializer,
            400: error(
                "`invalid`: a `school` that is not one of the campaign's (with a form) that the "
                "caller sees; no inspectors; a department that is not the caller's (for a "
                "department officer) or not of the bureau; no finding, a finding for an item "
                "that is not on the school's list, the same item twice, a non-compliant "
                "finding without description, plan, deadline or responsible person (a major "
                "item: without interim measures), a text too long. Messages in Chinese; "
                "nothing is saved."
            ),
            403: error(
                f"`permission_denied`: the caller holds none of {who(SITE_INSPECT)}, or does "
                "not record inspections at the school's bureau."
            ),
            404: error("`not_found`: the campaign is outside the caller's scope."),
        },
        summary="Record an on-site inspection",
        description="As the page recording an inspection of one school in a campaign, "
        "against its form's items: the items checked (`findings`), the inspectors, the day "
        "(default today), a summary and the department. Each non-compliant finding becomes "
        "a hazard in the register (source: department inspection). "
        f"Roles: {who(SITE_INSPECT)}.",
    )
    def create(self, request):
        serializer = SiteInspectionCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        campaign = selectors.campaign_for(request.user, d["campaign"])
        schools = selectors.inspectable_schools(request.user, campaign)
        try:
            school = selectors.inspectable_school(schools, d["school"])
        except Http404:  # a field of the body, not the path: bad input
            raise refuse(
                {"school": _("This school is not one of the campaign's schools that you see.")},
                Code.INVALID,
            ) from None
        items = {i.pk for i in selectors.inspection_items(campaign, school)}
        off_list = sorted({f["item"] for f in d["findings"]} - items)
        if off_list:
            raise refuse(
                {
                    "findings": _("Not on this school's list of items: %(items)s.")
                    % {"items": "、".join(str(i) for i in off_list)}
                },
                Code.INVALID,
            )
        inspection = services.site_inspection_record(
            actor=request.user,
            school=school,
            campaign=campaign,
            data={
                "inspectors": d.get("inspectors", "").strip(),
                "summary": d.get("summary", "").strip(),
                "inspected_on": d.get("inspected_on"),
                "department": d.get("department"),
            },
            findings=[dict(f) for f in d["findings"]],
        )
        return self._detail(inspection.pk, status.HTTP_201_CREATED)


router = SimpleRouter()
router.register("reviews", ReviewQueueViewSet, basename="review")
router.register("forms", FormReviewViewSet, basename="form-review")
router.register("site-inspections", SiteInspectionViewSet, basename="site-inspection")

urlpatterns = router.urls
