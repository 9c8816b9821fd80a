from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "safecampus.reports"
    label = "reports"
    verbose_name = "Dashboards and documents"
