from django.urls import path

from . import views

app_name = "catalog"
urlpatterns = [
    path("", views.version_list, name="version_list"),
    path("bureaus/<int:bureau_pk>/draft/", views.draft_create, name="draft_create"),
    path("versions/<int:pk>/", views.version_detail, name="version_detail"),
    path("versions/<int:pk>/export/", views.version_export, name="version_export"),
    path("versions/<int:pk>/import/", views.version_import, name="version_import"),
    path("versions/<int:pk>/publish/", views.version_publish, name="version_publish"),
    path("versions/<int:version_pk>/areas/new/", views.area_edit, name="area_create"),
    path("versions/<int:version_pk>/areas/<int:pk>/edit/", views.area_edit, name="area_edit"),
    path("versions/<int:version_pk>/items/new/", views.item_edit, name="item_create"),
    path("versions/<int:version_pk>/items/<int:pk>/edit/", views.item_edit, name="item_edit"),
    path("versions/<int:version_pk>/items/<int:pk>/delete/", views.item_delete, name="item_delete"),
]
