from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data: the one package that may import every app, and that no other imports."""

    name = "safecampus.demo"
    label = "demo"
    verbose_name = "Demo data"
