from django.apps import AppConfig


class WeeklyConfig(AppConfig):
    name = "safecampus.weekly"
    label = "weekly"
    verbose_name = "Weekly reports"
