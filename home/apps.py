from django.apps import AppConfig


class HomeConfig(AppConfig):
    """The top layer: the dashboards, onboarding and the demo loader, which compose
    every other app."""

    name = "home"
    verbose_name = "Home"
