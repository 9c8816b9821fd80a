from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list, name="notification_list"),
    path("read-all/", views.notifications_read_all, name="read_all"),
    path("<int:pk>/", views.notification_detail, name="notification_detail"),
    path("<int:pk>/read/", views.notification_read, name="notification_read"),
]
