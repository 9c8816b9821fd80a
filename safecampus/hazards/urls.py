from django.urls import path

from . import views

app_name = "hazards"

urlpatterns = [
    path("", views.hazard_list, name="hazard_list"),
    path("new/", views.hazard_create, name="hazard_create"),
    path("export/", views.hazard_export, name="hazard_export"),
    path("<int:pk>/", views.hazard_detail, name="hazard_detail"),
    path("<int:pk>/act/<str:action>/", views.hazard_action, name="hazard_action"),
    path("evidence/<int:pk>/", views.evidence_file, name="evidence_file"),
    path("evidence/<int:pk>/thumb/", views.evidence_thumb, name="evidence_thumb"),
]
