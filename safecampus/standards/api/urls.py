"""The API of security standards (mounted under /api/v1/)."""

urlpatterns: list = []
