"""URLs of the school dashboard. No ``app_name``: these patterns join the ``reports``
namespace through ``reports/urls.py``."""

from django.urls import path

from . import views_school

urlpatterns = [
    path("school/", views_school.school_dashboard, name="school_dashboard"),
    path("school/<int:pk>/", views_school.school_dashboard_for, name="school_dashboard_for"),
    path(
        "school/<int:pk>/print/",
        views_school.school_dashboard_print,
        name="school_dashboard_print",
    ),
    path(
        "school/<int:pk>/export.xlsx",
        views_school.school_dashboard_xlsx,
        name="school_dashboard_xlsx",
    ),
]
