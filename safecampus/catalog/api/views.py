from rest_framework import viewsets

from safecampus.catalog.models import CatalogVersion, CheckItem, RiskArea
from safecampus.core.api import capability_permission
from safecampus.core.capabilities import CATALOG_VIEW

from .files import CatalogVersionFilesMixin
from .serializers import CatalogVersionSerializer, CheckItemSerializer, RiskAreaSerializer


class CatalogVersionViewSet(CatalogVersionFilesMixin, viewsets.ReadOnlyModelViewSet):
    """Catalog versions of the caller's bureau(s)."""

    serializer_class = CatalogVersionSerializer
    permission_classes = [capability_permission(CATALOG_VIEW)]
    filterset_fields = ["bureau", "status"]

    def get_queryset(self):
        return CatalogVersion.objects.visible_to(self.request.user)


class RiskAreaViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = RiskAreaSerializer
    permission_classes = [capability_permission(CATALOG_VIEW)]
    filterset_fields = ["version"]

    def get_queryset(self):
        return RiskArea.objects.visible_to(self.request.user)


class CheckItemViewSet(viewsets.ReadOnlyModelViewSet):
    """Check items; filter by ``version`` and ``area``."""

    serializer_class = CheckItemSerializer
    permission_classes = [capability_permission(CATALOG_VIEW)]
    filterset_fields = ["version", "area", "default_level", "school_facing"]

    def get_queryset(self):
        return CheckItem.objects.visible_to(self.request.user).prefetch_related(
            "responsible_departments", "cooperating_departments", "routes"
        )
