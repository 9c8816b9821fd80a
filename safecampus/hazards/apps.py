from django.apps import AppConfig


class HazardsConfig(AppConfig):
    name = "safecampus.hazards"
    label = "hazards"
    verbose_name = "Hazard register"
