"""The pages of incidents and disputes: incidents (``views.incidents``), disputes
(``views.disputes``), illness records and cluster alerts (``views.clusters``), reporting limits
and settings (``views.limits``), figures (``views.overview``), Word documents and Excel exports
(``views.documents``)."""

from .views import clusters, disputes, documents, incidents, limits, overview

app_name = "incidents"

urlpatterns = [
    *overview.urlpatterns,
    *limits.urlpatterns,
    *clusters.urlpatterns,
    *disputes.urlpatterns,
    *documents.urlpatterns,
    *incidents.urlpatterns,
]
