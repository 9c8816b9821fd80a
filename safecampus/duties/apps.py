from django.apps import AppConfig


class DutiesConfig(AppConfig):
    name = "safecampus.duties"
    label = "duties"
    verbose_name = "Recurring duties"

    def ready(self):
        from safecampus.notifications.registry import reminder

        from .reminders import duty_due_reminders

        reminder(duty_due_reminders)
