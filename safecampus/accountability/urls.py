from django.urls import path

from . import views

app_name = "accountability"

urlpatterns = [
    path("", views.record_list, name="record_list"),
    path("new/", views.record_new, name="record_new"),
    path("<int:pk>/", views.record_detail, name="record_detail"),
    path("<int:pk>/step/", views.record_step, name="record_step"),
    path("consultations/", views.consultation_list, name="consultation_list"),
    path("consultations/new/", views.consultation_new, name="consultation_new"),
    path("consultations/<int:pk>/", views.consultation_detail, name="consultation_detail"),
]
