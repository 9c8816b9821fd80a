from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("catalog/versions", views.CatalogVersionViewSet, basename="catalog-version")
router.register("catalog/areas", views.RiskAreaViewSet, basename="catalog-area")
router.register("catalog/items", views.CheckItemViewSet, basename="catalog-item")
urlpatterns = router.urls
