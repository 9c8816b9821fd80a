"""The API of illness records and cluster alerts: a school records the cases of illness in a
class on a day (``illness.illness_record``); a class that reaches the bureau's thresholds raises
a cluster alert, which must be reported as an incident before its deadline. Scoped as the pages:
``IllnessRecord.objects.visible_to`` and ``ClusterAlert.objects.visible_to``.
"""

from __future__ import annotations

from django.db.models import BooleanField as DbBooleanField
from django.db.models import Exists, ExpressionWrapper, OuterRef, Q
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from safecampus.core.access import require
from safecampus.core.api import Pagination, capability_permission
from safecampus.core.capabilities import INCIDENT_REPORT, INCIDENT_VIEW
from safecampus.zones.api.views.common import error, who

from ... import illness
from ...inputs import MAX_ID
from ...models import ClusterAlert, IllnessRecord, Incident
from ..serializers_config import (
    ClusterAlertSerializer,
    IllnessInputSerializer,
    IllnessRecordSerializer,
    IllnessResultSerializer,
)

_FORBIDDEN = error(f"`permission_denied`: the caller holds none of {who(INCIDENT_VIEW)}.")
_SCOPE = (
    " A school sees its own; the safety centre, the leadership group, inspectors and departments "
    "those of their bureau."
)


class IllnessRecordViewSet(viewsets.GenericViewSet):
    """Cases of illness per class and day, as the schools' morning checks found them."""

    permission_classes = [
        IsAuthenticated,
        capability_permission(INCIDENT_VIEW, write=INCIDENT_REPORT),
    ]
    pagination_class = Pagination
    filter_backends: list = []
    serializer_class = IllnessRecordSerializer
    queryset = IllnessRecord.objects.none()  # for the schema

    @extend_schema(
        tags=["incidents"],
        parameters=[OpenApiParameter("school", int, required=False)],
        responses={200: IllnessRecordSerializer(many=True), 403: _FORBIDDEN},
        summary="List illness records",
        description=f"Newest day first.{_SCOPE} Roles: {who(INCIDENT_VIEW)}.",
    )
    def list(self, request):
        qs = IllnessRecord.objects.visible_to(request.user).select_related("school")
        school = request.query_params.get("school", "")
        if school.isascii() and school.isdigit():
            # an id past the database's integers is no school's (and must not reach the query)
            qs = qs.filter(school_id=int(school)) if int(school) <= MAX_ID else qs.none()
        page = self.paginate_queryset(qs.order_by("-day", "-pk"))
        return self.get_paginated_response(IllnessRecordSerializer(page, many=True).data)

    @extend_schema(
        tags=["incidents"],
        request=IllnessInputSerializer,
        responses={
            201: IllnessResultSerializer,
            400: error(
                "`invalid`: a field is missing or wrong (a school the caller may not record "
                "for, no case, a day in the future). Nothing is saved."
            ),
            403: error(
                f"`permission_denied`: the caller holds none of {who(INCIDENT_REPORT)}; "
                "`not_allowed`: the caller's roles do not record illness (a department)."
            ),
        },
        summary="Record cases of illness in a class on a day",
        description="Answers with the record and, when the class reached the bureau's cluster "
        "thresholds (by default 3 cases in one day, or 5 within 3 days), the cluster alert "
        "raised (`cluster_alert`, else null): the school and the centre hear of it at once, "
        "and an incident is due before its `due_at`. Roles: the school (for itself) and the "
        "safety centre.",
    )
    def create(self, request):
        require(request.user, INCIDENT_REPORT)
        serializer = IllnessInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        record, alert = illness.illness_record(
            actor=request.user, data=dict(serializer.validated_data)
        )
        now = timezone.now()
        body = {
            "record": IllnessRecordSerializer(record).data,
            "cluster_alert": ClusterAlertSerializer(alert, context={"now": now}).data
            if alert is not None
            else None,
        }
        return Response(body, status=status.HTTP_201_CREATED)


class ClusterAlertViewSet(viewsets.GenericViewSet):
    """Classes that reached the cluster thresholds."""

    permission_classes = [IsAuthenticated, capability_permission(INCIDENT_VIEW)]
    pagination_class = Pagination
    filter_backends: list = []
    serializer_class = ClusterAlertSerializer
    queryset = ClusterAlert.objects.none()  # for the schema

    @extend_schema(
        tags=["incidents"],
        parameters=[
            OpenApiParameter(
                "open",
                OpenApiTypes.BOOL,
                required=False,
                description="`1`: only the alerts not yet reported as an incident.",
            )
        ],
        responses={200: ClusterAlertSerializer(many=True), 403: _FORBIDDEN},
        summary="List cluster alerts",
        description="Open alerts first, then the reported ones, each by deadline. "
        "`incident` names the incident that reported an alert when the caller sees it."
        f"{_SCOPE} Roles: {who(INCIDENT_VIEW)}.",
    )
    def list(self, request):
        visible = Incident.objects.visible_to(request.user).filter(pk=OuterRef("incident_id"))
        qs = (
            ClusterAlert.objects.visible_to(request.user)
            .select_related("school")
            .annotate(
                incident_visible=Exists(visible),
                is_open=ExpressionWrapper(Q(incident__isnull=True), output_field=DbBooleanField()),
            )
        )
        if request.query_params.get("open", "").strip().lower() in ("1", "true"):
            qs = qs.filter(incident__isnull=True).order_by("due_at", "pk")
        else:
            qs = qs.order_by("-is_open", "due_at", "-triggered_at", "-pk")
        page = self.paginate_queryset(qs)
        context = {"now": timezone.now()}
        return self.get_paginated_response(
            ClusterAlertSerializer(page, many=True, context=context).data
        )


router = SimpleRouter()
router.register("illness-records", IllnessRecordViewSet, basename="illness-record")
router.register("cluster-alerts", ClusterAlertViewSet, basename="cluster-alert")

urlpatterns: list = router.urls
