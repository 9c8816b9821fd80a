"""The API of the student safety zone (mounted under /api/v1/): venues (``views.venues``),
school geometry and the check of a point (``views.geometry``), cases (``views.cases``), rules
and settings, the re-check, the figures and the map (``views.rules``)."""

from .views import cases, geometry, rules, venues

urlpatterns = [
    *venues.urlpatterns,
    *geometry.urlpatterns,
    *cases.urlpatterns,
    *rules.urlpatterns,
]
