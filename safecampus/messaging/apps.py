from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "safecampus.messaging"
    label = "messaging"
    verbose_name = _("Messages")

    def ready(self):
        from . import receivers  # noqa: F401  (connects the signals it listens to)
