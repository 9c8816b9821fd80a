from django.apps import AppConfig


class InspectionsConfig(AppConfig):
    name = "safecampus.inspections"
    label = "inspections"
    verbose_name = "Self-inspection forms and on-site inspections"
