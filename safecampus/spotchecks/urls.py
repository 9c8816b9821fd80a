from django.urls import path

from . import views

app_name = "spotchecks"

urlpatterns = [
    path("", views.check_list, name="check_list"),
    path("new/", views.check_create, name="check_create"),
    path("mine/", views.my_assignments, name="my_assignments"),
    path("<int:pk>/", views.check_detail, name="check_detail"),
    path("<int:pk>/verify/", views.check_verify, name="check_verify"),
    path("<int:pk>/assign/", views.check_assign, name="check_assign"),
    path("items/<int:pk>/", views.item_detail, name="item_detail"),
    path("evidence/<int:pk>/", views.evidence_file, name="evidence_file"),
    path("evidence/<int:pk>/thumb/", views.evidence_thumb, name="evidence_thumb"),
]
