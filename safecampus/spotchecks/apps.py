from django.apps import AppConfig


class SpotchecksConfig(AppConfig):
    name = "safecampus.spotchecks"
    label = "spotchecks"
    verbose_name = "Spot checks"

    def ready(self):
        from . import filters

        filters.register()
