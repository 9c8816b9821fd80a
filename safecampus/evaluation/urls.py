from django.urls import path

from . import views

app_name = "evaluation"

urlpatterns = [
    path("", views.campaign_list, name="campaign_list"),
    path("campaigns/<int:pk>/", views.campaign_evaluation, name="campaign_evaluation"),
    path("campaigns/<int:pk>/confirm-all/", views.confirm_all, name="confirm_all"),
    path("campaigns/<int:pk>/archive/start/", views.archive_start, name="archive_start"),
    path("campaigns/<int:pk>/archive/", views.archive_detail, name="archive_detail"),
    path("campaigns/<int:pk>/archive.json.gz", views.archive_download, name="archive_download"),
    path("campaigns/<int:pk>/summary/", views.summary_start, name="summary_start"),
    path("campaigns/<int:pk>/summary/draft/", views.summary_draft_start, name="summary_draft"),
    path(
        "campaigns/<int:pk>/departments/<int:department_pk>/material.docx",
        views.department_material,
        name="department_material",
    ),
    path("hazards/<int:pk>/", views.hazard_confirm, name="hazard_confirm"),
]
