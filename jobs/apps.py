from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class JobsConfig(AppConfig):
    name = "jobs"
    verbose_name = "Background jobs"

    def ready(self) -> None:
        # Job handlers register themselves when their module is imported. The
        # worker imports every app's tasks module (Celery autodiscovery); the web
        # process needs them too, for each kind's label and result page.
        autodiscover_modules("tasks")
