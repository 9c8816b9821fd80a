"""The API of the reports app (mounted under /api/v1/): see ``views``."""

from .views import urlpatterns

__all__ = ["urlpatterns"]
