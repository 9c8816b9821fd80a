from django.apps import AppConfig


class InspectionsConfig(AppConfig):
    name = "safecampus.inspections"
    label = "inspections"
    verbose_name = "Self-inspection forms and on-site inspections"

    def ready(self):
        from safecampus.notifications.registry import reminder

        from .reminders import form_due_reminders

        reminder(form_due_reminders)
