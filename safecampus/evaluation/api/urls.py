"""The API of the evaluation app (mounted under /api/v1/): see ``views``."""

from .views import urlpatterns

__all__ = ["urlpatterns"]
