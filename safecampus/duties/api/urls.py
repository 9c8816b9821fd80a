"""The API of recurring duties (mounted under /api/v1/)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views
from .files import DutyComplianceExportView, DutyLogExportView

router = SimpleRouter()
router.register("duty-versions", views.DutyVersionViewSet, basename="duty-version")
router.register("duty-occurrences", views.OccurrenceViewSet, basename="duty-occurrence")
router.register("duty-evidence", views.DutyEvidenceViewSet, basename="duty-evidence")
urlpatterns = [
    *router.urls,
    path("duty-compliance/", views.ComplianceView.as_view(), name="duty-compliance"),
    path(
        "duty-compliance/export/",
        DutyComplianceExportView.as_view(),
        name="duty-compliance-export",
    ),
    path("duty-log/export/", DutyLogExportView.as_view(), name="duty-log-export"),
]
