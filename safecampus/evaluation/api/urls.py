"""The API of the evaluation app (mounted under /api/v1/)."""

urlpatterns: list = []
