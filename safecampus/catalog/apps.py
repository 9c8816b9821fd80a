from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "safecampus.catalog"
    label = "catalog"
    verbose_name = "Risk catalog"
