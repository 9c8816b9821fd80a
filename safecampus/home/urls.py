"""The home page, mounted with core's own pages (background jobs) under the ``core`` namespace
it always had: ``core:home`` is where every login lands, and core itself knows nothing of the
apps above it."""

from django.urls import path

from safecampus.core import urls as core_urls

from . import views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    *core_urls.urlpatterns,
]
