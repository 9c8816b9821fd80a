"""Core's own pages: background jobs. The project mounts them, with the home page, under the
``core`` namespace (``safecampus.home.urls``)."""

from django.urls import path

from . import views

app_name = "core"
urlpatterns = [
    path("jobs/", views.job_list, name="job_list"),
    path("jobs/<int:pk>/", views.job_detail, name="job_detail"),
    path("jobs/<int:pk>/download/", views.job_download, name="job_download"),
]
