from django.urls import path

from . import views

app_name = "campaigns"

urlpatterns = [
    path("", views.campaign_list, name="campaign_list"),
    path("new/", views.campaign_create, name="campaign_create"),
    path("reviews/", views.review_queue, name="review_queue"),
    path("<int:pk>/", views.campaign_detail, name="campaign_detail"),
    path("<int:pk>/edit/", views.campaign_edit, name="campaign_edit"),
    path("<int:pk>/launch/", views.campaign_launch, name="campaign_launch"),
    path("<int:pk>/close/", views.campaign_close, name="campaign_close"),
    path("<int:pk>/forms/", views.form_list, name="form_list"),
    path("<int:pk>/forms.zip", views.campaign_forms_zip, name="campaign_forms_zip"),
    path("<int:pk>/import/", views.campaign_import, name="campaign_import"),
    path("<int:pk>/inspections/new/", views.site_inspection_new, name="site_inspection_new"),
    path("forms/<int:pk>/", views.form_detail, name="form_detail"),
    path("forms/<int:pk>/save/", views.form_save, name="form_save"),
    path("forms/<int:pk>/submit/", views.form_submit, name="form_submit"),
    path("forms/<int:pk>/review/", views.form_review, name="form_review"),
    path("forms/<int:pk>/export.xlsx", views.form_export, name="form_export"),
    path("forms/<int:pk>/import/", views.form_import, name="form_import"),
    path("answers/<int:pk>/evidence/", views.answer_evidence, name="answer_evidence"),
    path("evidence/<int:pk>/", views.evidence_file, name="evidence_file"),
    path("evidence/<int:pk>/thumb/", views.evidence_file, {"thumb": True}, name="evidence_thumb"),
    path("inspections/<int:pk>/", views.site_inspection_detail, name="site_inspection_detail"),
]
