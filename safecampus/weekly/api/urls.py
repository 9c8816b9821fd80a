"""The API of the weekly app (mounted under /api/v1/)."""

urlpatterns: list = []
