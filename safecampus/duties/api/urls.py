"""The API of recurring duties (mounted under /api/v1/)."""

urlpatterns: list = []
