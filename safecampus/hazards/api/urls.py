from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("hazards", views.HazardViewSet, basename="hazard")
router.register("hazard-evidence", views.HazardEvidenceViewSet, basename="hazard-evidence")
urlpatterns = router.urls
