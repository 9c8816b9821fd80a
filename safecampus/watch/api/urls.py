"""The API of the duty watch (mounted under /api/v1/): see ``views``."""

from .views import urlpatterns

__all__ = ["urlpatterns"]
