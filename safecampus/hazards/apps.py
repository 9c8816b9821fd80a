from django.apps import AppConfig


class HazardsConfig(AppConfig):
    name = "safecampus.hazards"
    label = "hazards"
    verbose_name = "Hazard register"

    def ready(self):
        from safecampus.notifications.registry import reminder

        from .reminders import hazard_deadline_reminders

        reminder(hazard_deadline_reminders)
