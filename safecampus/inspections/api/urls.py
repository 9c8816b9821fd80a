"""The API of the inspections app (mounted under /api/v1/)."""

urlpatterns: list = []
