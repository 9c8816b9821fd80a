from django.urls import path

from . import urls_school, views

app_name = "reports"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("print/", views.dashboard_print, name="dashboard_print"),
    path("export.xlsx", views.dashboard_export, name="dashboard_export"),
    path("map.json", views.dashboard_map, name="dashboard_map"),
    path("status/", views.dashboard_status, name="dashboard_status"),
    path("refresh/", views.dashboard_refresh, name="dashboard_refresh"),
    *urls_school.urlpatterns,
]
