from django.apps import AppConfig


class AccountabilityConfig(AppConfig):
    name = "safecampus.accountability"
    label = "accountability"
    verbose_name = "Consultations and accountability"
