from django.urls import path

from .views import channels, outbox, overview, preferences
from .views import settings as settings_views

app_name = "messaging"

urlpatterns = [
    path("", overview.overview, name="overview"),
    path("robots/", channels.channel_list, name="channel_list"),
    path("robots/new/", channels.channel_create, name="channel_create"),
    path("robots/<int:pk>/", channels.channel_detail, name="channel_detail"),
    path("robots/<int:pk>/edit/", channels.channel_edit, name="channel_edit"),
    path("robots/<int:pk>/secret/", channels.channel_secret, name="channel_secret"),
    path("robots/<int:pk>/test/", channels.channel_test, name="channel_test"),
    path("robots/<int:pk>/pause/", channels.channel_pause, name="channel_pause"),
    path("robots/<int:pk>/resume/", channels.channel_resume, name="channel_resume"),
    path("robots/<int:pk>/remove/", channels.channel_remove, name="channel_remove"),
    path("outbox/", outbox.message_list, name="message_list"),
    path("outbox/<int:pk>/", outbox.message_detail, name="message_detail"),
    path("outbox/<int:pk>/<str:action>/", outbox.message_act, name="message_act"),
    path("settings/<int:bureau_pk>/", settings_views.bureau_settings, name="settings"),
    path("preferences/", preferences.preferences, name="preferences"),
]
