"""The API of the weekly app (mounted under /api/v1/): see ``views``."""

from .views import urlpatterns

__all__ = ["urlpatterns"]
