"""The API of incidents and disputes (mounted under /api/v1/): incidents and their steps
(``views.incidents``), disputes (``views.disputes``), illness records and cluster alerts
(``views.clusters``), reporting limits and settings (``views.limits``)."""

from .views import clusters, disputes, incidents, limits

urlpatterns = [
    *incidents.urlpatterns,
    *disputes.urlpatterns,
    *clusters.urlpatterns,
    *limits.urlpatterns,
]
