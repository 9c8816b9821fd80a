from django.db import transaction
from rest_framework import mixins, viewsets

from safecampus.core.api import capability_permission
from safecampus.core.capabilities import SCHOOL_MANAGE, SCHOOL_VIEW
from safecampus.orgs import services
from safecampus.orgs.filtersets import SchoolFilterSet
from safecampus.orgs.models import Bureau, Department, Region, School

from .files import SchoolFilesMixin
from .serializers import (
    BureauSerializer,
    DepartmentSerializer,
    RegionSerializer,
    SchoolListSerializer,
    SchoolSerializer,
)


class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = RegionSerializer
    filterset_fields = ["level", "parent", "code"]

    def get_queryset(self):
        return Region.objects.visible_to(self.request.user)


class BureauViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = BureauSerializer

    def get_queryset(self):
        return Bureau.objects.visible_to(self.request.user)


class DepartmentViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = DepartmentSerializer
    filterset_fields = ["bureau"]

    def get_queryset(self):
        return Department.objects.visible_to(self.request.user)


class SchoolViewSet(
    SchoolFilesMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Schools in the caller's scope. The safety centre (and system admin) create and update."""

    filterset_class = SchoolFilterSet
    permission_classes = [capability_permission(SCHOOL_VIEW, write=SCHOOL_MANAGE)]

    def get_queryset(self):
        if self.action in ("update", "partial_update"):
            qs = School.objects.editable_by(self.request.user)
        else:
            qs = School.objects.visible_to(self.request.user)
        if self.action == "retrieve":
            qs = qs.prefetch_related("gates")
        return qs.order_by("name", "id")

    def get_serializer_class(self):
        return SchoolListSerializer if self.action == "list" else SchoolSerializer

    @transaction.atomic
    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        gates = data.pop("gates", [])
        serializer.instance = services.school_create(
            actor=self.request.user, data=data, gates=gates
        )

    @transaction.atomic
    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        gates = data.pop("gates", None)
        serializer.instance = services.school_update(
            actor=self.request.user, school=serializer.instance, data=data, gates=gates
        )
