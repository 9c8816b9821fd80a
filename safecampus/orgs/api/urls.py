from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("regions", views.RegionViewSet, basename="region")
router.register("bureaus", views.BureauViewSet, basename="bureau")
router.register("departments", views.DepartmentViewSet, basename="department")
router.register("schools", views.SchoolViewSet, basename="school")
urlpatterns = router.urls
