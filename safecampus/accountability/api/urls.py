"""The API of the accountability app (mounted under /api/v1/)."""

urlpatterns: list = []
