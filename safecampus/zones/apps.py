from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ZonesConfig(AppConfig):
    name = "safecampus.zones"
    verbose_name = _("Student safety zone")

    def ready(self):
        from . import receivers  # noqa: F401  (re-checks a school whose gates or stage changed)
