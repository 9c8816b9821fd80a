"""The API of the spotchecks app (mounted under /api/v1/)."""

urlpatterns: list = []
