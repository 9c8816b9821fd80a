from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "safecampus.audit"
    label = "audit"
    verbose_name = "Audit log"
