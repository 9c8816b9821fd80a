from django.apps import AppConfig


class StandardsConfig(AppConfig):
    name = "safecampus.standards"
    label = "standards"
    verbose_name = "Security standards"
