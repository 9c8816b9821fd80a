from django.urls import path

from . import views

app_name = "orgs"
urlpatterns = [
    path("schools/", views.school_list, name="school_list"),
    path("schools/new/", views.school_create, name="school_create"),
    path("schools/export/", views.school_export, name="school_export"),
    path("schools/import/", views.school_import, name="school_import"),
    path("schools/<int:pk>/", views.school_detail, name="school_detail"),
    path("schools/<int:pk>/edit/", views.school_edit, name="school_edit"),
    path("structure/", views.structure, name="structure"),
    path(
        "bureaus/<int:bureau_pk>/documents/", views.bureau_documents_edit, name="bureau_documents"
    ),
    path(
        "bureaus/<int:bureau_pk>/departments/new/", views.department_edit, name="department_create"
    ),
    path(
        "bureaus/<int:bureau_pk>/departments/<int:pk>/edit/",
        views.department_edit,
        name="department_edit",
    ),
    path("partners/", views.partner_list, name="partner_list"),
    path("bureaus/<int:bureau_pk>/partners/new/", views.partner_edit, name="partner_create"),
    path(
        "bureaus/<int:bureau_pk>/partners/<int:pk>/edit/", views.partner_edit, name="partner_edit"
    ),
    path(
        "leadership/<int:group_pk>/members/new/",
        views.leadership_member_add,
        name="leadership_member_add",
    ),
    path(
        "leadership/members/<int:pk>/remove/",
        views.leadership_member_remove,
        name="leadership_member_remove",
    ),
]
