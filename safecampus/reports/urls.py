from django.urls import path

from . import urls_school, views

app_name = "reports"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("print/", views.dashboard_print, name="dashboard_print"),
    path("export.xlsx", views.dashboard_export, name="dashboard_export"),
    *urls_school.urlpatterns,
]
