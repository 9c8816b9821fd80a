"""The form pages keep the paths they had under ``/campaigns/``."""

from django.urls import path

from . import views

app_name = "inspections"

urlpatterns = [
    path("reviews/", views.review_queue, name="review_queue"),
    path("<int:pk>/forms/", views.form_list, name="form_list"),
    path("<int:pk>/forms.zip", views.campaign_forms_zip, name="campaign_forms_zip"),
    path("<int:pk>/import/", views.campaign_import, name="campaign_import"),
    path("<int:pk>/inspections/new/", views.site_inspection_new, name="site_inspection_new"),
    path("forms/<int:pk>/", views.form_detail, name="form_detail"),
    path("forms/<int:pk>/save/", views.form_save, name="form_save"),
    path("forms/<int:pk>/submit/", views.form_submit, name="form_submit"),
    path("forms/<int:pk>/section/", views.form_mark_section, name="form_mark_section"),
    path("forms/<int:pk>/review/", views.form_review, name="form_review"),
    path("forms/<int:pk>/export.xlsx", views.form_export, name="form_export"),
    path("forms/<int:pk>/import/", views.form_import, name="form_import"),
    path("answers/<int:pk>/evidence/", views.answer_evidence, name="answer_evidence"),
    path("evidence/<int:pk>/", views.evidence_file, name="evidence_file"),
    path("evidence/<int:pk>/thumb/", views.evidence_file, {"thumb": True}, name="evidence_thumb"),
    path("inspections/<int:pk>/", views.site_inspection_detail, name="site_inspection_detail"),
]
