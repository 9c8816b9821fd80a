from django.apps import AppConfig


class WeeklyConfig(AppConfig):
    name = "safecampus.weekly"
    label = "weekly"
    verbose_name = "Weekly reports"

    def ready(self):
        from safecampus.notifications.registry import reminder

        from .reminders import weekly_report_reminders

        reminder(weekly_report_reminders)
