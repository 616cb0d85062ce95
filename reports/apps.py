from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Reports"

    def ready(self) -> None:
        # Registers the report job handlers in the web process as well as the worker.
        from reports import tasks  # noqa: F401
