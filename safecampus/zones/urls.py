"""The pages of the student safety zone: the venue register (``views.venues``), a school's
boundary and waiting areas (``views.geometry``), cases (``views.cases``), the map and figures
(``views.overview``), rules and settings (``views.rules``)."""

from .views import cases, geometry, overview, rules, venues

app_name = "zones"

urlpatterns = [
    *venues.urlpatterns,
    *geometry.urlpatterns,
    *cases.urlpatterns,
    *overview.urlpatterns,
    *rules.urlpatterns,
]
