"""The API of the spotchecks app (mounted under /api/v1/): see ``views``."""

from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("spot-checks", views.SpotCheckViewSet, basename="spot-check")
router.register("spot-check-items", views.SpotCheckItemViewSet, basename="spot-check-item")
router.register(
    "spot-check-evidence", views.SpotCheckEvidenceViewSet, basename="spot-check-evidence"
)

urlpatterns = router.urls
