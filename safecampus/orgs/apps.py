from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "safecampus.orgs"
    label = "orgs"
    verbose_name = "Organisations"
