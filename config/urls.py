from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

api_v1 = [
    path("", include("safecampus.accounts.api.urls")),
    path("", include("safecampus.orgs.api.urls")),
    path("", include("safecampus.catalog.api.urls")),
    path("", include("safecampus.hazards.api.urls")),
    path("", include("safecampus.duties.api.urls")),
    path("", include("safecampus.standards.api.urls")),
    path("", include("safecampus.zones.api.urls")),
    path("", include("safecampus.incidents.api.urls")),
    path("", include("safecampus.watch.api.urls")),
    path("", include("safecampus.messaging.api.urls")),
    path("", include("safecampus.campaigns.api.urls")),
    path("", include("safecampus.inspections.api.urls")),
    path("", include("safecampus.weekly.api.urls")),
    path("", include("safecampus.spotchecks.api.urls")),
    path("", include("safecampus.accountability.api.urls")),
    path("", include("safecampus.evaluation.api.urls")),
    path("", include("safecampus.reports.api.urls")),
    path("", include("safecampus.notifications.api.urls")),
    path("", include("safecampus.core.api_jobs")),
]

urlpatterns = [
    path("", include("safecampus.home.urls")),  # the home page and core's job pages
    path("accounts/", include("safecampus.accounts.urls")),
    path("orgs/", include("safecampus.orgs.urls")),
    path("audit/", include("safecampus.audit.urls")),
    path("catalog/", include("safecampus.catalog.urls")),
    path("hazards/", include("safecampus.hazards.urls")),
    path("campaigns/", include("safecampus.campaigns.urls")),
    path("campaigns/", include("safecampus.inspections.urls")),
    path("weekly/", include("safecampus.weekly.urls")),
    path("evaluation/", include("safecampus.evaluation.urls")),
    path("spotchecks/", include("safecampus.spotchecks.urls")),
    path("accountability/", include("safecampus.accountability.urls")),
    path("duties/", include("safecampus.duties.urls")),
    path("standards/", include("safecampus.standards.urls")),
    path("zones/", include("safecampus.zones.urls")),
    path("incidents/", include("safecampus.incidents.urls")),
    path("watch/", include("safecampus.watch.urls")),
    path("notifications/", include("safecampus.notifications.urls")),
    path("messages/", include("safecampus.messaging.urls")),
    path("dashboard/", include("safecampus.reports.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
]

# API paths answer errors in the documented JSON, other paths with the HTML pages
handler400 = "safecampus.core.errors.handler400"
handler403 = "safecampus.core.errors.handler403"
handler404 = "safecampus.core.errors.handler404"
handler500 = "safecampus.core.errors.handler500"
