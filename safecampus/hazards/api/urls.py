from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("hazards", views.HazardViewSet, basename="hazard")
urlpatterns = router.urls
