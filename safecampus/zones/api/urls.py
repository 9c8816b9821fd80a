"""The API of the student safety zone (mounted under /api/v1/)."""

urlpatterns: list = []
