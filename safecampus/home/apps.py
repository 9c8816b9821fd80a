from django.apps import AppConfig


class HomeConfig(AppConfig):
    """Each role's home page and the menu: the top of the stack, above every feature app."""

    name = "safecampus.home"
    label = "home"
    verbose_name = "Home page and menu"
