from django.urls import path

from . import views

app_name = "weekly"

urlpatterns = [
    path("", views.weekly_index, name="weekly_index"),
    path("campaigns/<int:pk>/", views.campaign_weeks, name="campaign_weeks"),
    path("campaigns/<int:pk>/weeks/<str:start>/", views.week_detail, name="week_detail"),
    path("campaigns/<int:pk>/weeks/<str:start>/open/", views.report_open, name="report_open"),
    path(
        "campaigns/<int:pk>/weeks/<str:start>/compile/",
        views.district_compile,
        name="district_compile",
    ),
    path("reports/<int:pk>/", views.report_detail, name="report_detail"),
    path("reports/<int:pk>/export.docx", views.report_export, {"fmt": "docx"}, name="report_docx"),
    path("reports/<int:pk>/export.xlsx", views.report_export, {"fmt": "xlsx"}, name="report_xlsx"),
    path("district/<int:pk>/", views.district_detail, name="district_detail"),
    path(
        "district/<int:pk>/export.docx",
        views.district_export,
        {"fmt": "docx"},
        name="district_docx",
    ),
    path(
        "district/<int:pk>/export.xlsx",
        views.district_export,
        {"fmt": "xlsx"},
        name="district_xlsx",
    ),
]
