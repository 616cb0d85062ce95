from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Reports"

    def ready(self) -> None:
        # Registers the report job handlers in the web process as well as the worker.
        # In ready(): the tasks import the models, not loaded when this module is.
        from reports import tasks  # noqa: PLC0415, F401
