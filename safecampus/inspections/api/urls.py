"""The API of the inspections app (mounted under /api/v1/): the self-inspection forms
(``forms``) and the departments' reviews and on-site inspections (``reviews``)."""

from .forms import urlpatterns as form_urls
from .reviews import urlpatterns as review_urls

urlpatterns = [*form_urls, *review_urls]
