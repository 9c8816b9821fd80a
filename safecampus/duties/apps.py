from django.apps import AppConfig


class DutiesConfig(AppConfig):
    name = "safecampus.duties"
    label = "duties"
    verbose_name = "Recurring duties"
