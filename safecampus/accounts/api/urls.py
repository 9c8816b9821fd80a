from django.urls import path

from . import views

urlpatterns = [
    path("me/", views.MeView.as_view(), name="api-me"),
    path("auth/token/", views.TokenView.as_view(), name="api-token"),
    path("auth/tokens/", views.ApiTokenListView.as_view(), name="api-token-list"),
    path("auth/tokens/<int:pk>/", views.ApiTokenDetailView.as_view(), name="api-token-detail"),
]
