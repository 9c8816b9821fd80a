"""The API of the student safety zone (mounted under /api/v1/): venues (``views.venues``),
school geometry and the check of a point (``views.geometry``), cases (``views.cases``)."""

from .views import cases, geometry, venues

urlpatterns = [
    *venues.urlpatterns,
    *geometry.urlpatterns,
    *cases.urlpatterns,
]
