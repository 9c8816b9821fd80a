"""The API of the accountability app (mounted under /api/v1/): see ``views``."""

from rest_framework.routers import SimpleRouter

from .views import ConsultationViewSet, RecordViewSet

router = SimpleRouter()
router.register("accountability-records", RecordViewSet, basename="accountability-record")
router.register("consultations", ConsultationViewSet, basename="consultation")

urlpatterns = router.urls
