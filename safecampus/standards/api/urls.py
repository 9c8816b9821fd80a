"""The API of security standards (mounted under /api/v1/)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views
from .views.files import ComplianceExportView

router = SimpleRouter()
router.register("standard-facts", views.FactsViewSet, basename="standard-facts")
router.register("standard-cards", views.CardViewSet, basename="standard-card")
router.register("rule-sets", views.RuleSetViewSet, basename="rule-set")
router.register("standard-findings", views.FindingViewSet, basename="standard-finding")
urlpatterns = [
    *router.urls,
    path("standard-compliance/", views.ComplianceView.as_view(), name="standard-compliance"),
    path(
        "standard-compliance/export/",
        ComplianceExportView.as_view(),
        name="standard-compliance-export",
    ),
]
